// What a proxy of the other side's object stands on: its target (of the right kind, so that
// typeof, Array.isArray and `new` behave) and how the host's printers name it without crossing.
import type { Encoded } from './protocol.js';

/** A remote object's kind, as a SENDER value carries it: an object, a function or an array. */
export type Kind = 'o' | 'f' | 'a';

/** Node's hook for printing an object (util.inspect.custom), which Node reads off a proxy's target. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** A reference as printed: `#12` by id, or the well-known or intrinsic name. */
const refText = (ref: Encoded): string => {
  if (ref === null || typeof ref !== 'object') return String(ref);
  if ('id' in ref) return `#${ref.id}`;
  if ('n' in ref) return String(ref.n);
  if ('p' in ref) return String(ref.p);
  return '';
};

/**
 * One printer for every proxy of a side: Node calls it with the proxy as `this`, whose reference
 * names it (`[GuestObject #12]`), so that printing sends nothing and runs none of the other side's code.
 */
export function makePrinter(printedAs: string, refOf: (proxy: object) => Encoded | undefined): () => string {
  return function print(this: object): string {
    const kind = typeof this === 'function' ? 'Function' : Array.isArray(this) ? 'Array' : 'Object';
    return `[${printedAs}${kind} ${refText(refOf(this) ?? null)}]`;
  };
}

/** A proxy's target: a function target must be constructible, and strict (modules and the wet bundle are), so it has no caller or arguments. */
export function makeTarget(kind: Kind, printer: (() => string) | undefined): object {
  if (kind === 'o') return printer ? { [INSPECT]: printer } : {};
  const target =
    kind === 'a'
      ? []
      : // biome-ignore lint/complexity/useArrowFunction: only a constructor lets `new` reach the construct trap
        function () {};
  if (printer) (target as unknown as Record<symbol, unknown>)[INSPECT] = printer;
  return target;
}
