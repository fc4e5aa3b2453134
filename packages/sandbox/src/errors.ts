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
