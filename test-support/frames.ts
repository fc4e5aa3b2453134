// Frames, bytes and text for the tests of both ends of the channel: @xsb/channel's (TypeScript, the
// host's) and the engine's (C, the guest's). Built from the protocol's layout as documented
// (packages/channel/src/layout.ts), not from either end's code, so that each end is checked
// against the layout rather than against itself.

/** u32 LENGTH of the payload, u8 KIND, u8 FLAGS, u16 reserved (0), u32 SEQUENCE; little-endian. */
export const FRAME_HEADER_SIZE = 12;

export interface FrameFields {
  kind: number;
  flags?: number;
  sequence?: number;
  payload?: Uint8Array;
  /** LENGTH as written; default the payload's true length. */
  length?: number;
  reserved?: number;
}

/** A frame built by hand, any field of it as wrong as a test wants. */
export function frame({
  kind,
  flags = 0,
  sequence = 0,
  payload = new Uint8Array(0),
  length,
  reserved = 0,
}: FrameFields): Uint8Array {
  const bytes = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length ?? payload.length, true);
  bytes[4] = kind;
  bytes[5] = flags;
  view.setUint16(6, reserved, true);
  view.setUint32(8, sequence, true);
  bytes.set(payload, FRAME_HEADER_SIZE);
  return bytes;
}

/** The parts, one after the other, in a buffer of their own. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const whole = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

/** Characters in a period of textPattern: ASCII, two- and three-byte ones in turn. */
export const TEXT_PERIOD = 3 * 1091;
/** Bytes in that period (6,546): a length no frame's payload lines up with, so fragments split characters. */
export const TEXT_PERIOD_BYTES = 6 * 1091;

function period(seed: number): string {
  const units: string[] = [];
  for (let i = 0; i < TEXT_PERIOD; i++) {
    const width = i % 3;
    const unit =
      width === 0
        ? 0x21 + ((i * 7 + seed) % 94)
        : width === 1
          ? 0xa0 + ((i * 13 + seed) % 0x660)
          : 0x800 + ((i * 31 + seed) % 0xd000);
    units.push(String.fromCharCode(unit));
  }
  return units.join('');
}

/**
 * Text of exactly `size` bytes of UTF-8, differing with position and seed; with no surrogates and
 * no U+0000 it is CESU-8 as well, as the engine's guest end takes it.
 */
export function textPattern(size: number, seed = 0): string {
  const unit = period(seed);
  const rest = size % TEXT_PERIOD_BYTES;
  const triples = Math.floor(rest / 6);
  return unit.repeat(Math.floor(size / TEXT_PERIOD_BYTES)) + unit.slice(0, 3 * triples) + '~'.repeat(rest - 6 * triples);
}
