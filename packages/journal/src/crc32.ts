// CRC-32 (IEEE 802.3, as zlib computes it): catches torn and flipped bytes in journals and snapshots.
// Slicing-by-8 (eight tables, eight bytes a step), so a journal entry's checksums cost little next
// to the crossing they record; the values are those of the byte-at-a-time algorithm.

/** TABLES[k * 256 + b]: the CRC of byte b followed by k zero bytes. */
const TABLES = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n]!;
    for (let k = 1; k < 8; k++) {
      c = tables[c & 0xff]! ^ (c >>> 8);
      tables[k * 256 + n] = c >>> 0;
    }
  }
  return tables;
})();

/** The CRC-32 of bytes [start, end); pass the CRC of the bytes before them as `previous` to continue it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  const t = TABLES;
  let crc = ~previous;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  if (i + 4 <= end) {
    const lo = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc = t[768 + (lo & 0xff)]! ^ t[512 + ((lo >>> 8) & 0xff)]! ^ t[256 + ((lo >>> 16) & 0xff)]! ^ t[lo >>> 24]!;
    i += 4;
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
