import { writable } from '@xsb/sandbox';
export default async ({ engine, createSandbox, journal, out }) => {
  class K {
    constructor(a) {
      this.a = a;
    }
  }
  const endowments = {
    log: (...a) => a.length,
    cfg: { a: 1 },
    K,
    state: writable({ items: writable([1, 2]), frozen: Object.freeze({ x: 1 }) }),
    fixed: writable(Object.freeze({ x: 1 })),
    sealed: writable(Object.seal({ x: 1 })),
    nonext: writable(Object.preventExtensions({ x: 1 })),
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  const r = sandbox.evaluate(`
    const o = [];
    const t = (name, f) => { try { const v = f(); o.push(name + ' = ' + (typeof v === 'function' ? 'fn' : JSON.stringify(v))); } catch (e) { o.push(name + ' ! ' + e.name + ': ' + e.message); } };
    t('new log', () => new log());
    t('K()', () => K(1));
    t('Map.get.call cfg', () => Map.prototype.get.call(cfg, 1));
    t('Set.has.call log', () => Set.prototype.has.call(log, 1));
    t('Date.getTime.call cfg', () => Date.prototype.getTime.call(cfg));
    t('Promise.then.call cfg', () => Promise.prototype.then.call(cfg, () => 1));
    t('RegExp.exec.call cfg', () => RegExp.prototype.exec.call(cfg, 'a'));
    t('TA.length', () => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length').get.call(cfg));
    t('AB.slice', () => ArrayBuffer.prototype.slice.call(cfg, 0));
    t('WeakMap.get', () => WeakMap.prototype.get.call(cfg, {}));
    t('Number.toFixed', () => Number.prototype.toFixed.call(cfg, 2));
    t('String.trim', () => String.prototype.trim.call(cfg));
    t('Symbol.toString', () => Symbol.prototype.toString.call(cfg));
    t('BigInt.toString', () => BigInt.prototype.toString.call(cfg));
    t('Boolean.valueOf', () => Boolean.prototype.valueOf.call(log));
    t('MapIter.next', () => Object.getPrototypeOf(new Map().entries()).next.call(cfg));
    t('Gen.next', () => Object.getPrototypeOf(function*(){}).prototype.__proto__.next.call(cfg));
    t('len=-1', () => { state.items.length = -1; });
    t('len=1e10', () => { state.items.length = 2 ** 32; });
    t('frozen.x=', () => { state.frozen.x = 2; });
    t('fixed.x=', () => { 'use strict'; fixed.x = 2; return fixed.x; });
    t('fixed.y=', () => { 'use strict'; fixed.y = 2; return fixed.y; });
    t('sealed del', () => { 'use strict'; delete sealed.x; });
    t('nonext.y=', () => { 'use strict'; nonext.y = 2; });
    t('defProp', () => Object.defineProperty(fixed, 'x', { value: 3 }));
    t('setProto', () => Object.setPrototypeOf(cfg, null));
    t('in', () => 'a' in cfg);
    o.join('\\n');
  `);
  out.guest = r.split('\n');
  out.snapshotBytes = sandbox.snapshot();
};
