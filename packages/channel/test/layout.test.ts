import {
  FLAG_CONTINUES,
  FLAGS_OFFSET,
  FRAME_KINDS,
  FRAME_SIZE,
  HEADER_FIELDS,
  HEADER_SIZE,
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
} from '@xsb/channel';
import { describe, expect, it } from 'vitest';

describe('frame layout', () => {
  it('lists every header offset constant in HEADER_FIELDS, in offset order', () => {
    expect(HEADER_FIELDS.map((f) => f.offset)).toEqual([LENGTH_OFFSET, KIND_OFFSET, FLAGS_OFFSET, SEQUENCE_OFFSET]);
    const offsets = HEADER_FIELDS.map((f) => f.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('has a header that covers every field, and no more than it needs', () => {
    for (const field of HEADER_FIELDS) expect(field.offset + field.size, field.name).toBeLessThanOrEqual(HEADER_SIZE);
    expect(Math.max(...HEADER_FIELDS.map((f) => f.offset + f.size))).toBe(HEADER_SIZE);
  });

  it('has fields that do not overlap', () => {
    const owner = new Array<string | undefined>(HEADER_SIZE);
    for (const field of HEADER_FIELDS) {
      for (let byte = field.offset; byte < field.offset + field.size; byte++) {
        expect(owner[byte], `byte ${byte} claimed by ${owner[byte]} and ${field.name}`).toBeUndefined();
        owner[byte] = field.name;
      }
    }
  });

  it('aligns each field to its width and the payload to 4 bytes', () => {
    for (const field of HEADER_FIELDS) expect(field.offset % field.size, field.name).toBe(0);
    expect(HEADER_SIZE % 4).toBe(0);
  });

  it('fills the scratch region exactly: MAX_PAYLOAD + HEADER_SIZE === FRAME_SIZE', () => {
    expect(FRAME_SIZE).toBe(64 * 1024);
    expect(MAX_PAYLOAD + HEADER_SIZE).toBe(FRAME_SIZE);
    // LENGTH is a u32, so it can state any payload that fits.
    expect(MAX_PAYLOAD).toBeLessThan(2 ** 32);
  });

  it('has flags that are single bits of the one-byte FLAGS field', () => {
    expect(FLAG_CONTINUES).toBeGreaterThan(0);
    expect(FLAG_CONTINUES & (FLAG_CONTINUES - 1)).toBe(0);
    expect(FLAG_CONTINUES).toBeLessThan(2 ** 8);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(HEADER_FIELDS)).toBe(true);
    for (const field of HEADER_FIELDS) expect(Object.isFrozen(field), field.name).toBe(true);
  });
});

describe('frame kinds and reserved bytes', () => {
  it('has four distinct kinds, none of them 0 (so a zeroed buffer is no frame), each fitting the u8 KIND', () => {
    const kinds = [KIND_MESSAGE, KIND_ACK, KIND_REPLY, KIND_PULL];
    expect(Object.values(FRAME_KINDS)).toEqual(kinds);
    expect(new Set(kinds).size).toBe(4);
    for (const kind of kinds) {
      expect(kind).toBeGreaterThan(0);
      expect(kind).toBeLessThan(2 ** 8);
    }
    expect(Object.isFrozen(FRAME_KINDS)).toBe(true);
  });

  it('covers the header exactly with the fields and the reserved bytes', () => {
    const owner = new Array<string | undefined>(HEADER_SIZE);
    const spans = [...HEADER_FIELDS, { name: 'reserved', offset: RESERVED_OFFSET, size: RESERVED_SIZE }];
    for (const { name, offset, size } of spans) {
      for (let byte = offset; byte < offset + size; byte++) {
        expect(owner[byte], `byte ${byte}`).toBeUndefined();
        owner[byte] = name;
      }
    }
    expect(owner.every((name) => name !== undefined)).toBe(true);
  });

  it('knows only FLAG_CONTINUES, and bounds frame sizes by the header and the u32 LENGTH', () => {
    expect(KNOWN_FLAGS).toBe(FLAG_CONTINUES);
    expect(MIN_FRAME_SIZE).toBe(HEADER_SIZE + 1);
    expect(MAX_FRAME_SIZE - HEADER_SIZE).toBe(2 ** 32 - 1);
    expect(FRAME_SIZE % 4).toBe(0); // so every payload, and every fragment's place in a message, is 4-byte aligned
  });
});
