export { type Channel, type ChannelOptions, makeChannel, type Region } from './channel.js';
export * as errors from './errors.js';
export { ChannelError, ChannelOptionsError, FrameError, MessageTooLargeError } from './errors.js';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  FLAG_CONTINUES,
  FLAGS_OFFSET,
  FRAME_KINDS,
  FRAME_SIZE,
  HEADER_FIELDS,
  HEADER_SIZE,
  type HeaderField,
  KIND_ACK,
  KIND_MESSAGE,
  KIND_OFFSET,
  KIND_PULL,
  KIND_REPLY,
  KNOWN_FLAGS,
  LENGTH_OFFSET,
  MAX_FRAME_SIZE,
  MAX_PAYLOAD,
  MIN_FRAME_SIZE,
  RESERVED_OFFSET,
  RESERVED_SIZE,
  SEQUENCE_OFFSET,
} from './layout.js';
