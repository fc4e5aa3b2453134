import { PluginDefinitionError } from './errors.js';

/** An extension of a sandbox: installed once into it, with options of its own choosing. */
export type SandboxPlugin = {
  readonly name: string;
  install(context: unknown, options?: unknown): void;
};

// A bare name ("timers") or a scoped npm-like one ("@acme/timers"): names are shown in errors and
// used as keys, so they stay lowercase and free of spaces.
const BARE_NAME = /^[a-z0-9-]+$/;
const SCOPED_NAME = /^@[a-z0-9-][a-z0-9._-]*\/[a-z0-9-][a-z0-9._-]*$/;

/** A value as it should appear in an error message: strings quoted, functions and objects by kind. */
function quote(value: unknown): string {
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
export function definePlugin<P extends SandboxPlugin>(plugin: P): P {
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
    problems.push(`install is ${quote(install)}; expected a function (context, options) => void`);
  }
  if (problems.length > 0) throw new PluginDefinitionError(problems);
  return Object.freeze(plugin);
}
