// What a restore may be handed, and what the host may do in the middle of a guest's call: host
// operations asked for from inside a call (a host function the guest called) must not write
// entries a replay cannot put back, and a snapshot must restore only with the journal it was
// taken from.
import { type Metering, meteringPlugin } from '@xsb/plugin-metering';
import {
  createSandbox,
  DisposedError,
  JournalFormatError,
  loadEngine,
  MemorySink,
  type PluginUse,
  ReentrantCallError,
  RevokedError,
  restoreSandbox,
  type Sandbox,
  SandboxOptionsError,
  SnapshotFormatError,
  SnapshotMismatchError,
} from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();
const plugins = (): PluginUse[] => [[meteringPlugin, { perCall: 5_000_000, total: 500_000_000 }]];

/** Host functions that turn on the sandbox that called them; `holder` says which one that is. */
function endowments(holder: { sandbox?: Sandbox }) {
  return {
    host: {
      tryAll() {
        const sandbox = holder.sandbox!;
        const metering = sandbox.plugins.metering as Metering;
        const attempts: [string, () => unknown][] = [
          ['snapshot', () => sandbox.snapshot()],
          ['collectGarbage', () => sandbox.collectGarbage()],
          ['refill', () => metering.refill(1_000)],
        ];
        return attempts
          .map(([name, attempt]) => {
            try {
              attempt();
              return `${name} done`;
            } catch (error) {
              return `${name} ${error instanceof ReentrantCallError ? 'refused' : `failed: ${String(error)}`}`;
            }
          })
          .join(', ');
      },
      disposeMe() {
        holder.sandbox!.dispose();
        return 'disposed';
      },
      echo: (text: string) => text,
    },
  };
}

const HOST_KINDS = ['snapshot', 'collect', 'meter'];

/** Restores the journal (after the snapshot, if given) with endowments that know their sandbox. */
function restoreWith(journal: Uint8Array, snapshot: Uint8Array | undefined) {
  const again: { sandbox?: Sandbox } = {};
  const restored = restoreSandbox({
    engine,
    journal,
    plugins: plugins(),
    endowments: endowments(again),
    ...(snapshot ? { snapshot } : {}),
  });
  again.sandbox = restored.sandbox;
  return restored;
}

describe('host operations from inside a guest call', () => {
  it('refuses a snapshot, a collection and a meter refill, journals none, and restores to the same state', () => {
    const sink = new MemorySink();
    const holder: { sandbox?: Sandbox } = {};
    const sandbox = createSandbox({ engine, plugins: plugins(), endowments: endowments(holder), journal: sink });
    holder.sandbox = sandbox;
    sandbox.evaluate('var seen = []; globalThis.poke = () => { seen.push(host.tryAll()); return seen.length }');
    const from = sandbox.journal.length;
    expect(sandbox.evaluate('poke()')).toBe(1);
    expect(sandbox.evaluate('seen[0]')).toBe('snapshot refused, collectGarbage refused, refill refused');
    expect(sandbox.journal.slice(from).filter((entry) => HOST_KINDS.includes(entry.kind))).toEqual([]);
    // between calls, the same operations work and are journaled
    const middle = sandbox.snapshot();
    sandbox.collectGarbage();
    (sandbox.plugins.metering as Metering).refill(1_000);
    expect(sandbox.evaluate('poke()')).toBe(2);
    const journal = sink.bytes();
    const end = sandbox.snapshot();
    sandbox.dispose();

    for (const snapshot of [undefined, middle]) {
      const { sandbox: restored, report } = restoreWith(journal, snapshot);
      expect(report.fromSnapshot).toBe(snapshot !== undefined);
      expect(restored.snapshot()).toEqual(end);
      expect(restored.evaluate('seen.join(" | ")')).toBe(
        'snapshot refused, collectGarbage refused, refill refused | snapshot refused, collectGarbage refused, refill refused',
      );
      // live again: it refuses the same way
      expect(restored.evaluate('poke()')).toBe(3);
      expect(restored.evaluate('seen[2]')).toBe('snapshot refused, collectGarbage refused, refill refused');
      restored.dispose();
    }
  });

  it('disposes of the sandbox when the call returns: the guest loses the host at once, the host and a bystander carry on, and the journal restores', () => {
    const bystander = createSandbox({ engine, plugins: plugins(), endowments: endowments({}) });
    bystander.evaluate('var n = 1');
    const sink = new MemorySink();
    const holder: { sandbox?: Sandbox } = {};
    const sandbox = createSandbox({ engine, plugins: plugins(), endowments: endowments(holder), journal: sink });
    holder.sandbox = sandbox;
    sandbox.evaluate(`var log = [];
      globalThis.quit = () => {
        log.push(host.disposeMe());
        try { log.push(host.echo('after')) } catch (e) { log.push(e.name) }
        log.push('finished');
        return log.join();
      }`);
    const middle = sandbox.snapshot();
    // the guest finished its call, cut off from the host from the moment it was disposed
    expect(sandbox.evaluate('quit()')).toBe('disposed,RevokedError,finished');
    expect(() => sandbox.evaluate('1 + 1')).toThrow(RevokedError);
    expect(() => sandbox.snapshot()).toThrow();
    sandbox.dispose();
    expect(bystander.evaluate('n += 1')).toBe(2);
    using fresh = createSandbox({ engine });
    expect(fresh.evaluate('6 * 7')).toBe(42);

    const journal = sink.bytes();
    const states = [undefined, middle].map((snapshot) => {
      const { sandbox: restored } = restoreWith(journal, snapshot);
      expect(restored.evaluate('log.join()')).toBe('disposed,RevokedError,finished');
      const state = restored.snapshot();
      restored.dispose();
      return state;
    });
    expect(states[1]).toEqual(states[0]);
    expect(bystander.evaluate('n += 1')).toBe(3);
    bystander.dispose();
  });

  it('refuses a snapshot, a collection and a meter setting after dispose, and journals none', () => {
    const sandbox = createSandbox({ engine, plugins: plugins() });
    sandbox.evaluate('var n = 1');
    const sink = sandbox.journal.length;
    sandbox.dispose();
    const metering = sandbox.plugins.metering as Metering;
    for (const attempt of [() => sandbox.snapshot(), () => sandbox.collectGarbage(), () => metering.refill(1_000)]) {
      expect(attempt).toThrow(DisposedError);
      expect(attempt).toThrow(/was disposed/);
    }
    expect(sandbox.journal.length).toBe(sink);
  });
});

describe('a snapshot knows its journal', () => {
  const lived = (id: string | undefined, who: string, calls: number) => {
    const sink = new MemorySink();
    const sandbox = createSandbox({ engine, journal: sink, ...(id === undefined ? {} : { id }) });
    sandbox.evaluate(`var who = ${JSON.stringify(who)}, count = 0`);
    const snapshot = sandbox.snapshot();
    for (let i = 0; i < calls; i++) sandbox.evaluate('count++');
    const journal = sink.bytes();
    sandbox.dispose();
    return { journal, snapshot };
  };

  it("refuses another sandbox's snapshot, created alike, and appends nothing to the journal", () => {
    const a = lived(undefined, 'a', 1);
    const b = lived(undefined, 'b', 3);
    const sink = new MemorySink();
    let refused: unknown;
    try {
      restoreSandbox({ engine, journal: b.journal, snapshot: a.snapshot, sink });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(SnapshotMismatchError);
    const { snapshot, journal } = refused as SnapshotMismatchError;
    // alike, so the same id: the journal's bytes before the snapshot tell them apart
    expect(snapshot.id).toBe(journal.id);
    expect(snapshot.position).toBe(journal.position);
    expect(snapshot.crc).not.toBe(journal.crc);
    expect((refused as Error).message).toContain('pass the snapshot taken from this journal, or restore from the journal alone');
    expect(sink.size).toBe(0);

    // each with its own: the state it was taken in, then its journal's tail
    for (const [{ journal, snapshot }, who, count] of [
      [a, 'a', 1],
      [b, 'b', 3],
    ] as const) {
      using restored = restoreSandbox({ engine, journal, snapshot }).sandbox;
      expect(restored.evaluate('who + count')).toBe(`${who}${count}`);
    }
  });

  it('names both ids when the sandboxes were given their own', () => {
    const alice = lived('alice', 'a', 1);
    const bob = lived('bob', 'b', 3);
    expect(() => restoreSandbox({ engine, journal: bob.journal, snapshot: alice.snapshot })).toThrow(
      /the snapshot was taken at entry \d+ of journal "alice", but this is journal "bob": pass the snapshot taken from this journal, or restore from the journal alone/,
    );
    using restored = restoreSandbox({ engine, journal: bob.journal, snapshot: bob.snapshot }).sandbox;
    expect(restored.evaluate('who + count')).toBe('b3');
    expect(() => createSandbox({ engine, id: '' })).toThrow(SandboxOptionsError);
  });

  it('refuses journals and snapshots of the format before identities, naming both versions', () => {
    const { journal, snapshot } = lived(undefined, 'a', 1);
    const oldJournal = journal.slice();
    oldJournal[4] = 1;
    const oldSnapshot = snapshot.slice();
    oldSnapshot[4] = 1;
    expect(() => restoreSandbox({ engine, journal: oldJournal })).toThrow(JournalFormatError);
    expect(() => restoreSandbox({ engine, journal: oldJournal })).toThrow(/format version 1, but this reader knows version 3/);
    expect(() => restoreSandbox({ engine, journal, snapshot: oldSnapshot })).toThrow(SnapshotFormatError);
    expect(() => restoreSandbox({ engine, journal, snapshot: oldSnapshot })).toThrow(
      /format version 1, but this reader knows version 2/,
    );
  });
});
