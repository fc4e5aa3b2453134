export * as errors from './errors.js';
export { PluginDefinitionError } from './errors.js';
export { definePlugin, type SandboxPlugin } from './plugin.js';
