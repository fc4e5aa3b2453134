// What the authority suites share: sandboxes opened for one test and disposed after it, and a
// guest attempt that reports whether the guest's code ran to the end or was refused.
import { createSandbox, type Engine, type Sandbox } from '@xsb/sandbox';
import { afterEach } from 'vitest';

/** Sandboxes opened with `open` are disposed after each test of the file that calls this. */
export function openPerTest(engine: Engine, afterAll?: () => void): (endowments: Record<string, unknown>) => Sandbox {
  let opened: Sandbox[] = [];
  afterEach(() => {
    for (const sandbox of opened) sandbox.dispose();
    opened = [];
    afterAll?.();
  });
  return (endowments) => {
    const sandbox = createSandbox({ engine, endowments });
    opened.push(sandbox);
    return sandbox;
  };
}

/**
 * Runs `body` in the guest, with MARK a guest function that would mark the host if it ever ran
 * there; returns 'done', or 'refused: Name: message' for what the attempt threw.
 */
export function attack(sandbox: Sandbox, body: string): string {
  return sandbox.evaluate(`(() => {
    const MARK = function () { globalThis.__xsbEscaped = true; Object.prototype.__xsbPolluted = true; return 'guest' };
    try { ${body}; return 'done' } catch (e) { return 'refused: ' + e.name + ': ' + e.message }
  })()`) as string;
}

/** What `run` threw; a run that does not throw fails the test. */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the attack to throw');
}

/** Every own property of each target, named by its path, with its prototype and extensibility: by identity. */
export function fingerprint(targets: readonly (readonly [path: string, target: object])[]): Map<string, unknown> {
  const seen = new Map<string, unknown>();
  for (const [path, target] of targets) {
    seen.set(`${path}<proto>`, Object.getPrototypeOf(target));
    seen.set(`${path}<extensible>`, Object.isExtensible(target));
    for (const key of Reflect.ownKeys(target)) {
      const d = Reflect.getOwnPropertyDescriptor(target, key)!;
      const at = `${path}.${String(key)}`;
      if ('value' in d) seen.set(at, d.value);
      else seen.set(`${at}<get>`, d.get).set(`${at}<set>`, d.set);
    }
  }
  return seen;
}

/** What differs between two fingerprints: changed, added or gone. */
export const changedBetween = (before: Map<string, unknown>, after: Map<string, unknown>): string[] =>
  [...new Set([...before.keys(), ...after.keys()])].filter((key) => before.get(key) !== after.get(key));

/** Each class and its prototype, named for a fingerprint. */
export const classesAndPrototypes = (classes: Iterable<abstract new (...args: never[]) => unknown>): [string, object][] =>
  [...classes].flatMap((C): [string, object][] => [
    [C.name, C],
    [`${C.name}.prototype`, C.prototype as object],
  ]);
