// MemorySink keeps what it is given in chunks: whatever the sizes of the writes, its bytes are the
// writes in order, and a view from any byte on is those bytes.
import { MemorySink } from '@xsb/journal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** Compared by hand: no Buffer in a browser, and toEqual walks megabytes slowly. */
const sameBytes = (a: Uint8Array, b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

describe('MemorySink', () => {
  it('gives back every write in order, across its chunks, and a view from any byte', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 300_000 })), { maxLength: 12 }),
        fc.nat(),
        (sizes, seed) => {
          const sink = new MemorySink();
          const expected: number[] = [];
          let n = seed;
          for (const size of sizes) {
            const bytes = new Uint8Array(size);
            for (let i = 0; i < size; i++) bytes[i] = n++ & 0xff;
            sink.write(bytes);
            // the writer reuses its buffer: the sink kept a copy
            bytes.fill(0);
            for (let i = 0; i < size; i++) expected.push((n - size + i) & 0xff);
          }
          expect(sink.size).toBe(expected.length);
          const all = sink.bytes();
          expect(all.length).toBe(expected.length);
          expect(sameBytes(all, expected)).toBe(true);
          for (const start of [0, expected.length >> 1, Math.max(0, expected.length - 3), expected.length]) {
            expect(sameBytes(sink.view(start), expected.slice(start))).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
