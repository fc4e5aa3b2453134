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
