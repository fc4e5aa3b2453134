export default async ({ engine, createSandbox, journal, out }) => {
  function sloppy(a, b) {
    return a;
  }
  const arrow = (x) => x;
  class K {
    constructor() {
      this.z = 1;
      this[2] = 2;
      this.a = 3;
      this[1] = 4;
    }
    get g() {
      return 5;
    }
    m() {}
    static s() {}
  }
  const endowments = {
    sloppy,
    arrow,
    K,
    inst: new K(),
    bound: sloppy.bind(null, 1),
    asyncFn: async function af() {},
    genFn: function* gf() {},
    obj: { b: 1, 10: 'x', a: 2, 1: 'y', [2 ** 32]: 'big', [2 ** 32 - 2]: 'maxidx', '-1': 'neg', '01': 'lead' },
    arr: [1, , 3],
    map: new Map([
      [1, 'a'],
      ['k', { x: 1 }],
    ]),
    set: new Set([3, 1, 2]),
    date: new Date(86400000.5),
    bad: new Date(NaN),
    nums: [-0, NaN, 2 ** 53, 1e21, 5e-324],
    nan2: new Float64Array(new Uint32Array([1, 0x7ff80000 | 1]).buffer)[0],
    big: [0n, -(2n ** 64n), 2n ** 200n],
    str: 'a\u0000\ud800b',
    iter: new Map([[1, 2]]).entries(),
    gen: (function* () {
      yield 1;
    })(),
    re: /a(?<n>b)/giu,
    errv: new TypeError('tv', { cause: new RangeError('c') }),
    agg: new AggregateError([new Error('e1')], 'agg'),
    sym: Symbol.for('s'),
    weak: new WeakMap(),
    prom: Promise.resolve(7),
    u8: new Uint8Array([1, 2, 3]),
    buf: new ArrayBuffer(4),
    dv: new DataView(new ArrayBuffer(2)),
    json: JSON,
    mathMax: Math.max,
  };
  const sandbox = createSandbox({ engine, endowments, journal });
  const r = sandbox.evaluate(`
    const o = [];
    const S = (v) => { try { if (typeof v === 'bigint') return v + 'n'; if (typeof v === 'symbol') return v.toString(); if (Object.is(v, -0)) return '-0'; if (typeof v === 'string') return JSON.stringify(v); if (typeof v === 'function') return 'fn'; if (v === null || typeof v !== 'object') return String(v); return Object.prototype.toString.call(v) + JSON.stringify(v); } catch (e) { return 'E:' + e.message; } };
    const t = (name, f) => { try { o.push(name + ' = ' + S(f())); } catch (e) { o.push(name + ' ! ' + e.name + ': ' + e.message); } };
    for (const k of ['sloppy', 'arrow', 'K', 'bound', 'asyncFn', 'genFn', 'mathMax']) {
      const f = globalThis[k];
      t(k + '.keys', () => Reflect.ownKeys(f).map(String).join());
      t(k + '.name', () => f.name);
      t(k + '.length', () => f.length);
      t(k + '.toString', () => Function.prototype.toString.call(f));
      t(k + '.String', () => String(f));
      t(k + '.typeof', () => typeof f);
      t(k + '.proto', () => Object.getPrototypeOf(f) === Function.prototype);
      t(k + '.descs', () => JSON.stringify(Object.getOwnPropertyDescriptors(f)));
      t(k + '.arguments', () => f.arguments);
      t(k + '.caller', () => f.caller);
    }
    t('inst.keys', () => Reflect.ownKeys(inst).join());
    t('inst.g', () => inst.g);
    t('inst.protoKeys', () => Reflect.ownKeys(Object.getPrototypeOf(inst)).join());
    t('K.keys', () => Reflect.ownKeys(K).join());
    t('obj.keys', () => Reflect.ownKeys(obj).join());
    t('obj.forin', () => { const a = []; for (const k in obj) a.push(k); return a.join(); });
    t('obj.json', () => JSON.stringify(obj));
    t('arr.keys', () => Reflect.ownKeys(arr).join());
    t('arr', () => JSON.stringify(arr) + (1 in arr));
    t('map', () => [...map].map(String).join('|') + map.size);
    t('map.get', () => map.get('k').x);
    t('set', () => [...set].join());
    t('date', () => date.getTime() + ' ' + date.toISOString() + ' ' + (date instanceof Date));
    t('bad', () => bad.getTime() + ' ' + String(bad));
    t('nums', () => nums.map(S).join());
    t('nan2', () => { const f = new Float64Array([nan2]); return Array.from(new Uint32Array(f.buffer)).join(); });
    t('big', () => big.map(S).join());
    t('str', () => str.length + ':' + [...str].map(c => c.charCodeAt(0)).join());
    t('iter', () => JSON.stringify([...iter]));
    t('iter.next', () => typeof iter.next);
    t('iter.map', () => typeof iter.map);
    t('iter.toArray', () => typeof iter.toArray);
    t('gen', () => [...gen].join());
    t('re', () => re.source + re.flags + re.test('ab') + re.lastIndex);
    t('re.exec', () => JSON.stringify(re.exec('xab')));
    t('errv', () => errv.name + errv.message + (errv instanceof TypeError) + errv.cause.name + ' stack=' + JSON.stringify(errv.stack));
    t('errv.keys', () => Reflect.ownKeys(errv).join());
    t('agg', () => agg.name + agg.message + JSON.stringify(agg.errors) + (agg instanceof AggregateError) + Reflect.ownKeys(agg).join());
    t('sym', () => sym.description);
    t('weak', () => Object.prototype.toString.call(weak) + weak.has({}));
    t('u8', () => u8.constructor.name + u8.join() + u8.buffer.byteLength);
    t('buf', () => buf.byteLength + buf.constructor.name);
    t('dv', () => dv.byteLength + dv.constructor.name);
    t('json', () => json.stringify({ a: [1, { b: 2 }] }, null, 1));
    t('json.parse', () => json.parse('[1,"2",{"a":null}]'));
    t('mathMax', () => mathMax(1, 3, 2));
    o.join('\\n');
  `);
  out.guest = r.split('\n');
  out.snapshotBytes = sandbox.snapshot();
};
