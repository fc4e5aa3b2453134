import type { MeterSettings } from '@xsb/journal';
import { PluginDefinitionError } from './errors.js';

/** What a plugin gets to extend the sandbox it is installed into. */
export interface PluginContext {
  /** The plugin's name. */
  readonly name: string;
  /**
   * Host values the guest gets as globals. Objects and functions among them are bound again by
   * their name when the sandbox is restored, so they keep working (see @xsb/journal).
   */
  defineGlobals(values: Readonly<Record<string, unknown>>): void;
  /**
   * Guest source the sandbox evaluates once, when it is created: its state lives in the guest's
   * heap, so it is in every snapshot and replays exactly. Its completion value is the plugin's
   * guest side, which guest() returns.
   */
  guestScript(source: string): void;
  /** The completion value of guestScript, as a proxy (also after a restore): looking it up is two crossings. */
  guest(): unknown;
  /**
   * Calls the plugin's guest side, when guestScript's completion value is a function: one
   * crossing, by the plugin's name (no lookup), alike after a restore.
   */
  callGuest(...args: unknown[]): unknown;
  /** The guest's meter, which only the host sees (see PluginMeter). */
  readonly meter: PluginMeter;
}

/** The guest's meter, as plugins set and read it. Settings are journaled, so a replay runs alike. */
export interface PluginMeter {
  /**
   * `limit`: units per call from the host (0 for none); `budget`: units for all calls from here on
   * (null for none). Each call runs with the smaller of the limit and what is left of the budget;
   * with nothing left, calls are refused with MeterExhaustedError. Set during install, they take
   * effect when the sandbox is created (a restore takes them from the journal instead).
   */
  set(meter: MeterSettings): void;
  /** Units used so far, by every call the sandbox ever made (restores included). */
  readonly used: number;
  /** The per-call limit (0 for none). */
  readonly limit: number;
  /** Units left of the budget (Infinity for no budget). */
  readonly remaining: number;
}

/** An extension of a sandbox: installed into each sandbox (and each restore) with its options. */
export interface SandboxPlugin<Options = unknown, Api = unknown> {
  readonly name: string;
  /** Defines what the guest gets; returns what the host gets (sandbox.plugins[name]). */
  install(context: PluginContext, options: Options | undefined): Api;
}

// A bare name ("timers") or a scoped npm-like one ("@acme/timers"): names are shown in errors and
// used as keys, so they stay lowercase and free of spaces.
const BARE_NAME = /^[a-z0-9-]+$/;
const SCOPED_NAME = /^@[a-z0-9-][a-z0-9._-]*\/[a-z0-9-][a-z0-9._-]*$/;

/** A value as it should appear in an error message: strings quoted, functions and objects by kind. */
export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/**
 * Checks a plugin's shape and freezes it, so it cannot be changed after it has been vetted.
 * Throws a `PluginDefinitionError` (a TypeError) listing every problem found.
 */
export function definePlugin<Options, Api, P extends SandboxPlugin<Options, Api>>(plugin: P): P {
  if (plugin === null || typeof plugin !== 'object') {
    throw new PluginDefinitionError([`expected an object with a name and an install function, got ${quote(plugin)}`]);
  }
  const problems: string[] = [];
  const { name, install } = plugin as { name?: unknown; install?: unknown };
  if (typeof name !== 'string' || !(BARE_NAME.test(name) || SCOPED_NAME.test(name))) {
    problems.push(
      `name is ${quote(name)}; expected a non-empty string of lowercase letters, digits and dashes ("timers") or a scoped name ("@scope/timers")`,
    );
  }
  if (typeof install !== 'function') {
    problems.push(`install is ${quote(install)}; expected a function (context, options) => the plugin's host API`);
  }
  if (problems.length > 0) throw new PluginDefinitionError(problems);
  return Object.freeze(plugin);
}
