// Runs in every new machine before the host sees it, so it is part of every snapshot.

import { ECMASCRIPT_GLOBALS } from './globals.js';

/**
 * Removes every non-ECMAScript global and replaces Math.random with xoshiro128** seeded from
 * `seed`, its state in a closure so that snapshots carry it (XS's own reads libc rand(), which
 * lives outside the heap).
 */
export function bootScript(seed: number): string {
  return `(function (keep, seed) {
  const global = globalThis;
  for (const name of Reflect.ownKeys(global)) {
    if (typeof name === 'string' && !keep.includes(name)) delete global[name];
  }
  let a = seed >>> 0, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
  const next = () => {
    const result = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t;
    d = (d << 11) | (d >>> 21);
    return result;
  };
  for (let i = 0; i < 16; i++) next();
  // 53 random bits, as V8 and SpiderMonkey give
  const random = { random() { return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992; } }.random;
  Object.defineProperty(Math, 'random', { value: random, writable: true, enumerable: false, configurable: true });
})(${JSON.stringify(ECMASCRIPT_GLOBALS)}, ${seed >>> 0});`;
}
