/**
 * A plugin handed to `definePlugin` is malformed. A TypeError, since the value has the wrong
 * shape; `problems` lists every fault found, not only the first.
 */
export class PluginDefinitionError extends TypeError {
  override name = 'PluginDefinitionError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid plugin: ${problems.join('; ')}`);
  }
}

/** createSandbox or restoreSandbox was given options it cannot use; `problems` lists them all. */
export class SandboxOptionsError extends TypeError {
  override name = 'SandboxOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid sandbox options: ${problems.join('; ')}`);
  }
}

/** A restore was given other plugins than the sandbox was created with. */
export class PluginMismatchError extends Error {
  override name = 'PluginMismatchError';
  constructor(
    readonly missing: readonly string[],
    readonly extra: readonly string[],
  ) {
    super(
      `the sandbox was created with plugins ${missing.length ? `[${missing.join(', ')}] that this restore lacks` : ''}${missing.length && extra.length ? ', and ' : ''}${extra.length ? `this restore adds [${extra.join(', ')}]` : ''}: restore with the same plugins, in any order`,
    );
  }
}

/** A module host did not give the guest a module; `specifier` is as the guest wrote it. */
abstract class ModuleHostError extends Error {
  constructor(
    readonly specifier: string,
    reason: string,
  ) {
    super(`cannot import ${shortQuote(specifier)}: ${reason}`);
  }
}

/**
 * A module host would not give the guest a module: a URL or Node built-in, an absolute path, a
 * path out of its root, a package it does not allow, what is not a regular file, or one too big.
 * The message names no host path and no file's content.
 */
export class ModuleRefusedError extends ModuleHostError {
  override name = 'ModuleRefusedError';
}

/** A module host has no module of that name under its root. */
export class ModuleNotFoundError extends ModuleHostError {
  override name = 'ModuleNotFoundError';
}

/** A specifier as the guest wrote it, cut short: the guest chooses its length. */
function shortQuote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
