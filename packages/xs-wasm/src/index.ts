export { decodeCesu8, encodeCesu8, writeCesu8 } from './cesu8.js';
export { Engine, type EngineOptions, loadEngine, type WasmSource } from './engine.js';
export * as errors from './errors.js';
export {
  atCallSite,
  CROSSING_LINE,
  callSiteEntry,
  type DeathReason,
  DisposedError,
  EngineLoadError,
  GuestError,
  GuestSyntaxError,
  MachineBusyError,
  MachineDeadError,
  MessageTooLargeError,
  MeterExhaustedError,
  NotConnectedError,
  SnapshotError,
  XsbError,
} from './errors.js';
export { ECMASCRIPT_GLOBALS } from './globals.js';
export { Handle } from './handle.js';
export {
  type FrameHandler,
  type GuestValue,
  Machine,
  type MachineOptions,
  type MessageHandler,
  type MeterOptions,
  type ScratchRegion,
} from './machine.js';
export type { GuestPrimitive, HandleKind } from './scratch.js';
