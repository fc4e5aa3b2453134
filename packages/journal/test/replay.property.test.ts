// A random life of a sandbox, recorded, then brought back twice in engines of their own: by pure
// replay, and from a snapshot taken somewhere in the middle plus the journal's tail. Each must end
// in a heap whose snapshot is byte for byte the original's.
import { type Journaled, MemorySink, restoreJournaled, startJournaled } from '@xsb/journal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freshEngine, sharedEngine } from './support.js';

type Step =
  | { readonly op: 'evaluate'; readonly n: number }
  | { readonly op: 'callGuest'; readonly a: number; readonly b: string }
  | { readonly op: 'guestCallsHost'; readonly n: number }
  | { readonly op: 'hostPromise'; readonly value: number; readonly reject: boolean }
  | { readonly op: 'guestPromise'; readonly n: number }
  | { readonly op: 'objects'; readonly n: number }
  | { readonly op: 'collect' }
  | { readonly op: 'snapshot' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('evaluate' as const), n: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ op: fc.constant('callGuest' as const), a: fc.integer(), b: fc.string({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('guestCallsHost' as const), n: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ op: fc.constant('hostPromise' as const), value: fc.integer(), reject: fc.boolean() }),
  fc.record({ op: fc.constant('guestPromise' as const), n: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ op: fc.constant('objects' as const), n: fc.integer({ min: 1, max: 20 }) }),
  fc.constant({ op: 'collect' as const }),
  fc.constant({ op: 'snapshot' as const }),
);

const GUEST = `
  var state = { total: 0, log: [], held: [] };
  globalThis.api = {
    add(a, b) { state.total += a; state.log.push(b); return state.log.length + ':' + b },
    callHost(n) { let s = 0; for (let i = 0; i < n; i++) s += hostTwice(i); state.total += s; return s },
    await(p) { return p.then((v) => { state.log.push('ok ' + v) }, (e) => { state.log.push('err ' + e.message) }) },
    async later(n) { await null; state.total += n; return { n, total: state.total } },
    objects(n) { const made = []; for (let i = 0; i < n; i++) made.push({ i, when: state.log.length }); state.held.push(made[0]); return made },
    evaluate(n) { state.log.push(String(n * 2)); return state.log.length },
  };
  0`;

// biome-ignore lint/suspicious/noExplicitAny: guest values are whatever the guest made
const api = (j: Journaled): any => j.membrane.evaluateScript('api');
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function live(journaled: Journaled, steps: readonly Step[]): Promise<Uint8Array | undefined> {
  const guest = api(journaled);
  let middle: Uint8Array | undefined;
  for (const s of steps) {
    switch (s.op) {
      case 'evaluate':
        journaled.membrane.evaluateScript(`api.evaluate(${s.n})`);
        break;
      case 'callGuest':
        guest.add(s.a, s.b);
        break;
      case 'guestCallsHost':
        guest.callHost(s.n);
        break;
      case 'hostPromise': {
        const settled = s.reject ? Promise.reject(new Error(`no ${s.value}`)) : Promise.resolve(s.value);
        settled.catch(() => {});
        guest.await(settled);
        await tick();
        break;
      }
      case 'guestPromise':
        expect((await guest.later(s.n)).n).toBe(s.n);
        break;
      case 'objects': {
        const made = guest.objects(s.n);
        expect(made[s.n - 1].i).toBe(s.n - 1);
        break;
      }
      case 'collect':
        journaled.collectGarbage();
        break;
      case 'snapshot':
        middle ??= journaled.snapshot();
        break;
    }
  }
  return middle;
}

describe('replay', () => {
  it('restores random lives by pure replay and from snapshot + tail to byte-identical snapshots', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const sink = new MemorySink();
        const endowments = { hostTwice: (n: number) => n * 2 };
        const original = startJournaled(await sharedEngine(), { sink, endowments, machine: { randomSeed: 3 } });
        original.membrane.evaluateScript(GUEST);
        const middle = await live(original, steps);
        const journal = sink.bytes();
        const expected = original.snapshot();
        original.dispose();

        const replayed = restoreJournaled(await freshEngine(), { journal, endowments });
        expect(replayed.journaled.snapshot()).toEqual(expected);
        replayed.journaled.dispose();
        if (middle) {
          const resumed = restoreJournaled(await freshEngine(), { journal, snapshot: middle, endowments });
          expect(resumed.report.fromSnapshot).toBe(true);
          expect(resumed.journaled.snapshot()).toEqual(expected);
          resumed.journaled.dispose();
        }
      }),
      { numRuns: 30, endOnFailure: true },
    );
  }, 600_000);
});
