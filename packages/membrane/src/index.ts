export { isWritable, writable } from './authority.js';
export {
  attachMembrane,
  type ControlChannel,
  type Membrane,
  type MembraneOptions,
  type MembraneWire,
  type ModuleHost,
} from './dry.js';
export * as errors from './errors.js';
export { MembraneError, NotSerializableError, ProtocolError, RevokedError } from './errors.js';
export { collectIntrinsics, type Intrinsics } from './intrinsics.js';
export {
  decodeMessage,
  decodeReply,
  decodeRequest,
  describeMessage,
  type Encoded,
  type EncodedDescriptor,
  encodeMessage,
  type Message,
  OPS,
  PROTOCOL_VERSION,
  type ReferenceVisitor,
  type Reply,
  type Request,
  scanReferences,
  TAGS,
} from './protocol.js';
export {
  type AdoptedTables,
  copy,
  type ErrorClass,
  type FastPath,
  type MembraneSide,
  type MembraneSideOptions,
  type MembraneStats,
  makeMembraneSide,
  type TrapHooks,
} from './side.js';
export { createConnectedMachine } from './template.js';
