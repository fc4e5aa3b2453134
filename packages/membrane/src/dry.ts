// The host's side: connects a machine's pump to a channel and the membrane, the wet side being
// the bundled script every machine evaluates first.
import { makeChannel } from '@xsb/channel';
import { decodeCesu8, encodeCesu8, Handle, type Machine } from '@xsb/xs-wasm';
import { collectIntrinsics, type Intrinsics } from './intrinsics.js';
import type { Reply, Request } from './protocol.js';
import { type MembraneStats, makeMembraneSide } from './side.js';
import { WET_SOURCE } from './wet-source.generated.js';

export interface MembraneOptions {
  /** Largest message either way, in bytes (see @xsb/channel). Default 64 MiB. */
  readonly maxMessageSize?: number;
}

/** What the guest's control channel offers the host. */
export interface ControlChannel {
  evaluateScript(source: string): unknown;
  evaluateCommonJsModule(source: string, filename: string, require?: (specifier: string) => unknown): unknown;
  defineGlobals(endowments: Readonly<Record<string, unknown>>): void;
  stats(): MembraneStats;
}

export interface Membrane {
  /** Runs a script in the guest; returns its completion value (objects as proxies). */
  evaluateScript(source: string): unknown;
  /** Runs a CommonJS module in the guest; returns its module.exports. */
  evaluateCommonJsModule(source: string, filename: string, require?: (specifier: string) => unknown): unknown;
  /** Installs host values as guest globals; the guest reaches them through the membrane. */
  defineGlobals(endowments: Readonly<Record<string, unknown>>): void;
  /** The guest's globalThis. */
  readonly guestGlobal: Record<string | symbol, unknown>;
  /** Ends the membrane: every proxy, both ways, throws RevokedError from now on. */
  revoke(): void;
  /** Sends the releases of guest proxies the host's collector has taken. */
  flushReleases(): void;
  /** The host's tables, and the guest's. */
  stats(): { readonly dry: MembraneStats; readonly wet: MembraneStats };
}

let hostIntrinsics: Intrinsics | undefined;

/** Connects a fresh machine to the host through the membrane. */
export function attachMembrane(machine: Machine, options: MembraneOptions = {}): Membrane {
  const factory = machine.evaluate(WET_SOURCE);
  if (!(factory instanceof Handle)) throw new TypeError('the wet side did not evaluate to its connect function');
  hostIntrinsics ??= collectIntrinsics(globalThis);
  const toBytes = (value: unknown): Uint8Array => encodeCesu8(JSON.stringify(value));
  const fromBytes = (bytes: Uint8Array): unknown => JSON.parse(decodeCesu8(bytes));
  const channel = makeChannel({
    transport: (frame) => machine.deliver(frame),
    onMessage: (bytes) => toBytes(side.receive(fromBytes(bytes) as Request)),
    ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
  });
  const side = makeMembraneSide({
    name: 'dry',
    intrinsics: hostIntrinsics,
    send: (request: Request): Reply => fromBytes(channel.request(toBytes(request))) as Reply,
  });
  machine.onMessage = (frame) => channel.receive(frame);
  machine.connect(factory);
  factory.dispose();
  const control = side.wellKnown('controlChannel') as ControlChannel;
  return Object.freeze({
    evaluateScript: (source: string) => control.evaluateScript(source),
    evaluateCommonJsModule: (source: string, filename: string, require?: (specifier: string) => unknown) =>
      control.evaluateCommonJsModule(source, filename, require),
    defineGlobals: (endowments: Readonly<Record<string, unknown>>) => control.defineGlobals(endowments),
    guestGlobal: side.wellKnown('globalThis') as Record<string | symbol, unknown>,
    revoke: () => side.revoke(),
    flushReleases: () => side.flushReleases(),
    stats: () => {
      const wet = control.stats();
      return { dry: side.stats(), wet: { exported: wet.exported, imported: wet.imported, promises: wet.promises } };
    },
  });
}
