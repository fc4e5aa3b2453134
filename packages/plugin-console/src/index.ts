import { definePlugin } from '@xsb/sandbox';

/** Where the guest's lines go: log, info and debug to 'out'; warn and error to 'err'. */
export type Write = (stream: 'out' | 'err', line: string) => void;

/** The host's side: formats a guest value as the guest's console.log would. */
export interface ConsoleApi {
  format(value: unknown): string;
}

const GUEST = `(() => {
  const write = globalThis.__xsbWrite;
  delete globalThis.__xsbWrite;
  const format = (value, depth) => {
    try {
      if (typeof value === 'string') return depth ? JSON.stringify(value) : value;
      if (typeof value === 'bigint') return value + 'n';
      if (typeof value === 'symbol') return value.toString();
      if (typeof value === 'function') return '[Function' + (value.name ? ': ' + value.name : ' (anonymous)') + ']';
      if (value === null || typeof value !== 'object') return String(value);
      if (value instanceof Error) return value.name + ': ' + value.message;
      if (Array.isArray(value)) {
        if (depth > 2) return '[Array]';
        return value.length ? '[ ' + value.map((item) => format(item, depth + 1)).join(', ') + ' ]' : '[]';
      }
      if (depth > 2) return '[Object]';
      const keys = Object.keys(value);
      return keys.length ? '{ ' + keys.map((key) => key + ': ' + format(value[key], depth + 1)).join(', ') + ' }' : '{}';
    } catch {
      return '[unformattable]';
    }
  };
  const line = (args) => args.map((arg) => format(arg, 0)).join(' ');
  const out = (...args) => write('out', line(args));
  const err = (...args) => write('err', line(args));
  Object.defineProperty(globalThis, 'console', {
    value: Object.freeze({ log: out, info: out, debug: out, error: err, warn: err }),
    writable: true,
    configurable: true,
  });
  return { format: (value) => format(value, 1) };
})()`;

/**
 * Gives the guest `console.log`, `info`, `debug`, `warn` and `error`. Values are formatted in the
 * guest, where its objects are (strings as they are, objects and arrays three levels deep), and
 * each call reaches the host as one line through a function the guest keeps privately; a
 * restore binds it to the new install's `write`. A replay does not write again.
 */
export const consolePlugin = definePlugin({
  name: 'console',
  install(context, write: Write | undefined): ConsoleApi {
    if (typeof write !== 'function') throw new TypeError('console: the options are the function that writes lines');
    context.defineGlobals({
      __xsbWrite: (stream: unknown, line: unknown) => write(stream === 'err' ? 'err' : 'out', String(line)),
    });
    context.guestScript(GUEST);
    return Object.freeze({ format: (value: unknown) => (context.guest() as ConsoleApi).format(value) });
  },
});
