// The sandbox's module host: where the guest's imports and requires come from. The guest reaches
// it by name through the membrane, so its answers are journaled and a replay repeats them.
import type { ModuleHost as MembraneModuleHost } from '@xsb/membrane';
import { quote } from './plugin.js';

/** Where the guest's modules come from, for both `import` and `require`. */
export interface ModuleHost {
  /**
   * The full name of `specifier` imported by the module named `referrer` (undefined for the
   * host's own evaluateModule). Default: "./" and "../" against the referrer's folder; any other
   * specifier is its own name; "." and ".." segments collapsed, never above the top.
   */
  resolve?(specifier: string, referrer: string | undefined): string;
  /** The source of the module of that full name (for require, `.json` names are parsed as JSON). */
  load(name: string): string;
}

/**
 * `specifier` against `referrer`'s folder when it starts with "./" or "../"; else itself. Either
 * way its "." and ".." segments are collapsed and never climb above the top, so a host that joins
 * names onto a folder stays in it ("x/../../secret" is "secret", "/../etc" is "/etc").
 */
function resolveRelative(specifier: string, referrer: string | undefined): string {
  const relative = specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
  if (!relative) return collapsePath(specifier)!;
  const base = referrer ?? '/';
  return collapsePath(`${base.slice(0, base.lastIndexOf('/') + 1)}${specifier}`)!;
}

/**
 * A "/"-separated path with its "", "." and ".." segments taken out, absolute when `path` is. A
 * ".." above the top is dropped, or, with `aboveTop: 'refuse'`, makes the result undefined.
 */
export function collapsePath(path: string, aboveTop: 'drop' | 'refuse' = 'drop'): string | undefined {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '..') {
      if (out.length === 0 && aboveTop === 'refuse') return undefined;
      out.pop();
    } else if (part !== '' && part !== '.') out.push(part);
  }
  return `${path.startsWith('/') ? '/' : ''}${out.join('/')}`;
}

/** What is wrong with a `modules` option, if anything. */
export function moduleHostProblems(modules: unknown): string[] {
  if (modules === undefined) return [];
  if (modules === null || typeof modules !== 'object') {
    return [`modules is ${quote(modules)}; expected { load(name), resolve?(specifier, referrer) }`];
  }
  const { load, resolve } = modules as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof load !== 'function') problems.push(`modules.load is ${quote(load)}; expected a function (name) => source`);
  if (resolve !== undefined && typeof resolve !== 'function') {
    problems.push(`modules.resolve is ${quote(resolve)}; expected a function (specifier, referrer) => name`);
  }
  return problems;
}

/** The membrane's module host for a sandbox's `modules` option: checked answers, a default resolve. */
export function membraneModuleHost(modules: ModuleHost | undefined): MembraneModuleHost {
  const missing = (specifier: string): never => {
    throw new Error(`cannot import ${JSON.stringify(specifier)}: give the sandbox a modules option { load, resolve? }`);
  };
  if (!modules) return Object.freeze({ resolve: missing, load: missing });
  const resolve = modules.resolve?.bind(modules) ?? resolveRelative;
  return Object.freeze({
    resolve(specifier: string, referrer: string | undefined): string {
      const name = resolve(specifier, referrer);
      if (typeof name !== 'string') {
        throw new TypeError(
          `modules.resolve(${JSON.stringify(specifier)}) returned ${quote(name)}; expected the module's full name (a string)`,
        );
      }
      return name;
    },
    load(name: string): string {
      const source = modules.load(name);
      if (typeof source !== 'string') {
        throw new TypeError(
          `modules.load(${JSON.stringify(name)}) returned ${quote(source)}; expected the module's source (a string)`,
        );
      }
      return source;
    },
  });
}
