/** Base of the membrane's errors. */
export class MembraneError extends Error {
  override name = 'MembraneError';
}

/** A value that cannot cross the membrane; `path` says where it was (e.g. `args[1]`). */
export class NotSerializableError extends MembraneError {
  override name = 'NotSerializableError';
  constructor(
    readonly path: string,
    what: string,
    advice = 'pass primitives, registered or well-known symbols, objects, functions, errors, promises, dates or binary data',
  ) {
    super(`${what} at ${path} cannot cross the membrane: ${advice}`);
  }
}

/** The proxy's object is gone: the membrane was revoked, or the object released or never shared. */
export class RevokedError extends MembraneError {
  override name = 'RevokedError';
}

/** The other side sent something this side cannot make sense of. */
export class ProtocolError extends MembraneError {
  override name = 'ProtocolError';
}
