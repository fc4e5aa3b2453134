export {
  EngineMismatchError,
  FastPathMismatchError,
  JournalDivergenceError,
  type JournalEntry,
  JournalError,
  JournalFormatError,
  type JournalSink,
  MemorySink,
  type MeterSettings,
  ProtocolVersionError,
  type ReadJournal,
  ReentrantCallError,
  type RestoreReport,
  readJournal,
  SnapshotFormatError,
  SnapshotMismatchError,
} from '@xsb/journal';
export {
  copy,
  isWritable,
  MembraneError,
  NotSerializableError,
  ProtocolError,
  RevokedError,
  writable,
} from '@xsb/membrane';
export {
  DisposedError,
  type Engine,
  GuestError,
  GuestSyntaxError,
  loadEngine,
  MachineDeadError,
  MeterExhaustedError,
} from '@xsb/xs-wasm';
export * as errors from './errors.js';
export {
  ModuleNotFoundError,
  ModuleRefusedError,
  PluginDefinitionError,
  PluginMismatchError,
  SandboxOptionsError,
} from './errors.js';
export type { ModuleHost } from './modules.js';
export { definePlugin, type PluginContext, type PluginMeter, type SandboxPlugin } from './plugin.js';
export {
  createSandbox,
  type PluginUse,
  type RestoreSandboxOptions,
  restoreSandbox,
  type Sandbox,
  type SandboxLimits,
  type SandboxOptions,
} from './sandbox.js';
