// The guest's side, bundled (scripts/build-wet.mjs) into a script every machine evaluates at
// creation, so it is part of every snapshot. `connectWet` is the factory given to connect().
import { connectGuest, toArrayBuffer } from '@xsb/channel';
import { collectIntrinsics } from './intrinsics.js';
import type { Reply, Request } from './protocol.js';
import { type MembraneStats, makeMembraneSide } from './side.js';

/** The pump's string codec (see @xsb/xs-wasm's Machine.connect): XS has no TextEncoder. */
interface Codec {
  encode(text: string): ArrayBuffer;
  decode(bytes: ArrayBuffer): string;
}

export function connectWet(send: (buffer: ArrayBuffer) => ArrayBuffer, codec: Codec): (buffer: ArrayBuffer) => ArrayBuffer {
  // captured now: guest code may replace the globals later
  // biome-ignore lint/security/noGlobalEval: evaluating the host's scripts in the guest is the point
  const indirectEval = globalThis.eval;
  const { parse, stringify } = JSON;
  const global = globalThis;

  const toBytes = (value: unknown): Uint8Array => new Uint8Array(codec.encode(stringify(value)));
  const fromBytes = (bytes: Uint8Array): unknown => parse(codec.decode(toArrayBuffer(bytes)));

  // guest values the host keeps by name: after a restore they are how it finds them again
  const roots = new Map<string, unknown>();

  const controlChannel = Object.freeze({
    /** Keeps a guest value under a name (undefined forgets it). */
    keep(name: string, value: unknown): void {
      if (value === undefined) roots.delete(String(name));
      else roots.set(String(name), value);
    },
    /** A value kept under a name, or undefined. */
    root(name: string): unknown {
      return roots.get(String(name));
    },
    /** Runs a script in the guest's global scope; returns its completion value. */
    evaluateScript(source: string): unknown {
      return indirectEval(String(source));
    },
    /** Runs a CommonJS module; returns its module.exports. */
    evaluateCommonJsModule(source: string, filename: string, require?: (specifier: string) => unknown): unknown {
      const wrapper = indirectEval(`(function (exports, require, module, __filename, __dirname) {${String(source)}\n})`);
      const module = { exports: {} as unknown };
      const file = String(filename);
      const dirname = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) || '/' : '.';
      const requireModule =
        require ??
        ((specifier: string) => {
          throw new Error(`require(${JSON.stringify(specifier)}) in ${file}: the host gave this module no require`);
        });
      wrapper.call(module.exports, module.exports, requireModule, module, file, dirname);
      return module.exports;
    },
    /** The wet side's tables, for the host to watch. */
    stats(): MembraneStats {
      return side.stats();
    },
    /** Installs host-given values as guest globals. */
    defineGlobals(endowments: Record<string, unknown>): void {
      for (const key of Object.keys(endowments)) {
        Object.defineProperty(global, key, { value: endowments[key], writable: true, configurable: true, enumerable: false });
      }
    },
  });

  const side = makeMembraneSide({
    name: 'wet',
    intrinsics: collectIntrinsics(global),
    send: (request: Request): Reply => fromBytes(connection.channel.request(toBytes(request))) as Reply,
    wellKnown: { controlChannel, globalThis: global },
  });
  const connection = connectGuest(send, (bytes) => toBytes(side.receive(fromBytes(bytes) as Request)));
  return connection.receiver;
}
