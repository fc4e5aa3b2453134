/** Base of every error the channel throws, so a transport can tell them from the handler's own. */
export class ChannelError extends Error {
  override name = 'ChannelError';
}

/** makeChannel was given options it cannot work with; `problems` lists each one. */
export class ChannelOptionsError extends ChannelError {
  override name = 'ChannelOptionsError';
  constructor(readonly problems: readonly string[]) {
    super(`makeChannel: ${problems.join('; ')}`);
  }
}

/** A frame is malformed, or arrived where the protocol does not allow it. The exchange it belonged to is abandoned. */
export class FrameError extends ChannelError {
  override name = 'FrameError';
}

/** A whole message or reply is larger than the channel's maxMessageSize. */
export class MessageTooLargeError extends ChannelError {
  override name = 'MessageTooLargeError';
  constructor(
    /** Bytes of the message, or, on the receiving side, the bytes collected so far (already past the limit). */
    readonly size: number,
    readonly limit: number,
    what = 'a message',
    soFar = false,
  ) {
    super(
      `${what} is ${size} bytes${soFar ? ' (so far)' : ''}, more than maxMessageSize (${limit} bytes); send less, or give both channels a larger maxMessageSize`,
    );
  }
}
