// XS keeps strings in CESU-8 (built with mxCESU8): UTF-16 code units, each encoded as UTF-8 would
// encode a code point, so surrogates (paired or lone) take three bytes each; and, its strings
// being C strings, U+0000 as the two bytes C0 80. These convert between that and JavaScript
// strings without losing lone surrogates or NULs.

// The codec's methods are captured when this module loads and applied by hand: TextEncoder and
// TextDecoder are host classes that a host may hand a guest, and every sandbox's traffic passes
// here, so no later change to their prototypes may redirect it.
const { apply } = Reflect;
const decodeUtf8 = TextDecoder.prototype.decode;
const encodeUtf8 = TextEncoder.prototype.encode;
const fromCharCode = String.fromCharCode;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();
/** Decodes UTF-8 with the codec captured at load. */
export const utf8Decode = (bytes: Uint8Array): string => apply(decodeUtf8, utf8, [bytes]) as string;
const utf8Encode = (text: string): Uint8Array => apply(encodeUtf8, utf8Encoder, [text]) as Uint8Array;
/** What CESU-8 encodes otherwise than UTF-8. */
const NOT_UTF8 = /[\0\ud800-\udfff]/;

/** Encodes a JavaScript string as CESU-8. */
export function encodeCesu8(text: string): Uint8Array {
  if (!NOT_UTF8.test(text)) return utf8Encode(text);
  const out = new Uint8Array(text.length * 3);
  return out.subarray(0, writeCesu8(text, out, 0));
}

/**
 * Writes a JavaScript string as CESU-8 into `out` from `at`, which must have room for three bytes
 * a code unit; returns where it ended. By hand, with no TextEncoder: most membrane strings are short.
 */
export function writeCesu8(text: string, out: Uint8Array, at: number): number {
  let n = at;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80 && unit !== 0) out[n++] = unit;
    else if (unit < 0x800) {
      out[n++] = 0xc0 | (unit >> 6);
      out[n++] = 0x80 | (unit & 0x3f);
    } else {
      out[n++] = 0xe0 | (unit >> 12);
      out[n++] = 0x80 | ((unit >> 6) & 0x3f);
      out[n++] = 0x80 | (unit & 0x3f);
    }
  }
  return n;
}

/** Decodes CESU-8 (and plain UTF-8, which XS also accepts as input) into a JavaScript string. */
export function decodeCesu8(bytes: Uint8Array): string {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return utf8Decode(bytes);
  const units: number[] = [];
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      units.push(b);
      i += 1;
    } else if (b < 0xe0) {
      units.push(((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
      i += 2;
    } else if (b < 0xf0) {
      units.push(((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
      i += 3;
    } else {
      const point = ((b & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f);
      units.push(0xd800 + ((point - 0x10000) >> 10), 0xdc00 + ((point - 0x10000) & 0x3ff));
      i += 4;
    }
    if (units.length >= 8192) {
      text += apply(fromCharCode, String, units);
      units.length = 0;
    }
  }
  return text + apply(fromCharCode, String, units);
}
