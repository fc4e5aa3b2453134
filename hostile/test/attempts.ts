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
