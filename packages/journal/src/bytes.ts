// What journals and snapshots share: little-endian u32s, and the preamble they both start with,
//   4-byte magic | u16 format version | u16 0 (reserved)
// so that a reader refuses other files, other versions and damage in the same words.

export const u32 = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

export const putU32 = (bytes: Uint8Array, at: number, value: number): void => {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
};

export const PREAMBLE_SIZE = 8;

export interface Preamble {
  readonly magic: readonly number[];
  readonly version: number;
  /** 'journal' or 'snapshot', for the messages. */
  readonly what: string;
}

export function writePreamble(bytes: Uint8Array, { magic, version }: Preamble): void {
  bytes.set(magic, 0);
  bytes[4] = version & 0xff;
  bytes[5] = version >>> 8;
}

/**
 * Checks as much of the preamble as `bytes` holds; `fail(offset, problem)` throws. Returns false
 * while the preamble is incomplete (a journal still being written).
 */
export function checkPreamble(
  bytes: Uint8Array,
  { magic, version, what }: Preamble,
  fail: (offset: number, problem: string) => never,
): boolean {
  const name = String.fromCharCode(...magic);
  for (let i = 0; i < Math.min(magic.length, bytes.length); i++) {
    if (bytes[i] !== magic[i]) fail(i, `not a ${what}: it does not start with "${name}"`);
  }
  if (bytes.length < PREAMBLE_SIZE) return false;
  const found = bytes[4]! | (bytes[5]! << 8);
  if (found !== version) {
    fail(
      4,
      `format version ${found}, but this reader knows version ${version} only: read it with the @xsb/journal version that wrote it`,
    );
  }
  if (bytes[6] !== 0 || bytes[7] !== 0) fail(6, 'reserved bytes are not zero');
  return true;
}
