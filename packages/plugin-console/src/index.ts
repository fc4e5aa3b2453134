import { definePlugin } from '@xsb/sandbox';

/** Where the guest's lines go: log, info and debug to 'out'; warn and error to 'err'. */
export type Write = (stream: 'out' | 'err', line: string) => void;

/** The host's side: formats a guest value as the guest's console.log would. */
export interface ConsoleApi {
  format(value: unknown): string;
}

// The guest side runs before any guest code and takes the built-ins it uses then, so a guest that
// later replaces Array.prototype.map, JSON.stringify or String changes its own code, not how its
// lines are made: each line is a string when it reaches the host. No iterators, no array methods.
// Its completion value is format itself, so the host's format() is one crossing.
const GUEST = `(() => {
  'use strict';
  const write = globalThis.__xsbWrite;
  delete globalThis.__xsbWrite;
  const { stringify } = JSON;
  const { keys } = Object;
  const { isArray } = Array;
  const { defineProperty, apply } = Reflect;
  const { freeze } = Object;
  const toText = String;
  const NativeError = Error;
  const symbolToString = Symbol.prototype.toString;
  const format = (value, depth) => {
    try {
      if (typeof value === 'string') return depth ? stringify(value) : value;
      if (typeof value === 'bigint') return toText(value) + 'n';
      if (typeof value === 'symbol') return apply(symbolToString, value, []);
      if (typeof value === 'function') return '[Function' + (value.name ? ': ' + value.name : ' (anonymous)') + ']';
      if (value === null || typeof value !== 'object') return toText(value);
      if (value instanceof NativeError) return value.name + ': ' + value.message;
      if (isArray(value)) {
        if (depth > 2) return '[Array]';
        const length = value.length;
        let text = '';
        for (let i = 0; i < length; i++) text += (i ? ', ' : '') + format(value[i], depth + 1);
        return length ? '[ ' + text + ' ]' : '[]';
      }
      if (depth > 2) return '[Object]';
      const names = keys(value);
      let text = '';
      for (let i = 0; i < names.length; i++) text += (i ? ', ' : '') + names[i] + ': ' + format(value[names[i]], depth + 1);
      return names.length ? '{ ' + text + ' }' : '{}';
    } catch {
      return '[unformattable]';
    }
  };
  const line = (args) => {
    let text = '';
    for (let i = 0; i < args.length; i++) text += (i ? ' ' : '') + format(args[i], 0);
    return text;
  };
  const out = (...args) => { write('out', line(args)); };
  const err = (...args) => { write('err', line(args)); };
  defineProperty(globalThis, 'console', {
    value: freeze({ log: out, info: out, debug: out, error: err, warn: err }),
    writable: true,
    configurable: true,
  });
  return freeze((value) => format(value, 1));
})()`;

// C0 controls but tab and newline, DEL and C1 controls: a guest's line must not drive the host's
// terminal (clear it, move the cursor, set the clipboard with OSC 52), so they are written as \x1b.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const visible = (line: string): string => line.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/**
 * Gives the guest `console.log`, `info`, `debug`, `warn` and `error`. Values are formatted in the
 * guest, where its objects are (strings as they are, objects and arrays three levels deep), and
 * each call reaches the host as one line through a function the guest keeps privately; a
 * restore binds it to the new install's `write`. A replay does not write again. Control
 * characters (but tab and newline) reach `write` as text, `\x1b` for ESC.
 */
export const consolePlugin = definePlugin({
  name: 'console',
  install(context, write: Write | undefined): ConsoleApi {
    if (typeof write !== 'function') throw new TypeError('console: the options are the function that writes lines');
    context.defineGlobals({
      // only the guest side calls this, with strings; anything else is not read (a guest object's
      // toString would run guest code outside the call that logged). What `write` returns stays
      // on the host: a logger's `info()` returning the logger would hand it to the guest.
      __xsbWrite: (stream: unknown, line: unknown) => {
        write(stream === 'err' ? 'err' : 'out', typeof line === 'string' ? visible(line) : '[unformattable]');
      },
    });
    context.guestScript(GUEST);
    // called by the plugin's name: one crossing, and a restored host crosses as the original did
    return Object.freeze({
      format(value: unknown) {
        const text = context.callGuest(value);
        if (typeof text !== 'string')
          throw new TypeError(
            `console: the guest side answered format with ${text === null ? 'null' : `a ${typeof text}`}, never a string: the guest's heap is not as the plugin left it; restore the sandbox from a snapshot`,
          );
        return text;
      },
    });
  },
});
