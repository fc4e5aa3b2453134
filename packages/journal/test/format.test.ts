import { JOURNAL_FORMAT_VERSION, JOURNAL_MAGIC } from '@xsb/journal';
import { describe, expect, it } from 'vitest';

describe('journal format', () => {
  it('starts with the magic "XSBJ"', () => {
    expect(JOURNAL_MAGIC).toHaveLength(4);
    expect(new TextDecoder().decode(Uint8Array.from(JOURNAL_MAGIC))).toBe('XSBJ');
  });

  it('keeps the magic immutable', () => {
    expect(Object.isFrozen(JOURNAL_MAGIC)).toBe(true);
  });

  it('is at format version 3 (binary messages, the protocol version in the header)', () => {
    expect(JOURNAL_FORMAT_VERSION).toBe(3);
  });
});
