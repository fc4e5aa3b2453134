// The well-known symbols, by the names under which they cross (the `w` of a symbol in protocol.ts).

/** Their names as properties of `Symbol`. */
export const WELL_KNOWN_SYMBOLS: readonly string[] = [
  'asyncIterator',
  'hasInstance',
  'isConcatSpreadable',
  'iterator',
  'match',
  'matchAll',
  'replace',
  'search',
  'species',
  'split',
  'toPrimitive',
  'toStringTag',
  'unscopables',
];
export const symbolStatics = Symbol as unknown as Record<string, symbol>;
