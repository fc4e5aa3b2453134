// What the two sides of the membrane say to each other: JSON, nothing else.
//
// Ids are chosen by the side whose object they name. In a message, `{ $: 's', id }` (src) names
// an object of the sender's and `{ $: 'd', id }` (dst) one of the receiver's; `{ $: 'i', p }`
// names an intrinsic by path, which each side resolves in its own realm; `{ $: 'w', n }` names a
// well-known object (the control channel, the guest's globalThis).

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A value in a message. Strings, booleans, null and finite numbers (not -0) stand for themselves. */
export type Encoded =
  | null
  | boolean
  | number
  | string
  | { readonly $: 'u' } // undefined
  | { readonly $: 'n'; readonly v: 'NaN' | 'Infinity' | '-Infinity' | '-0' }
  | { readonly $: 'f'; readonly v: string } // a double whose decimal form does not read back, as 16 hex digits
  | { readonly $: 'b'; readonly v: string } // bigint, in decimal
  | { readonly $: 'y'; readonly w: string } // well-known symbol, e.g. 'iterator'
  | { readonly $: 'y'; readonly r: string } // registered symbol: Symbol.for(r)
  | { readonly $: 's'; readonly id: number; readonly k: 'o' | 'f' | 'a'; readonly n?: string } // the sender's object, function or array; `n` names it for a restore
  | { readonly $: 'd'; readonly id: number } // the receiver's own object
  | { readonly $: 'i'; readonly p: string } // an intrinsic
  | { readonly $: 'w'; readonly n: string } // a well-known object of the receiver's
  | { readonly $: 'p'; readonly id: number } // the sender's promise: its settlement follows
  | { readonly $: 'e'; readonly n: string; readonly m: string; readonly s: string; readonly c?: Encoded } // an error, copied
  | { readonly $: 'dt'; readonly v: number } // a Date, copied
  | { readonly $: 'ab'; readonly v: string } // an ArrayBuffer, copied (base64)
  | { readonly $: 'ta'; readonly c: string; readonly v: string }; // a typed array or DataView, copied

export interface EncodedDescriptor {
  readonly v?: Encoded;
  readonly g?: Encoded;
  readonly s?: Encoded;
  readonly w?: boolean;
  readonly e?: boolean;
  readonly c?: boolean;
}

/** A target of an operation: always an object of the receiver's. */
export type Target = Encoded;

export type Request =
  | { readonly op: 'get'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'set'; readonly t: Target; readonly k: Encoded; readonly v: Encoded }
  | { readonly op: 'has'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'delete'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'keys'; readonly t: Target }
  | { readonly op: 'describe'; readonly t: Target; readonly k: Encoded }
  | { readonly op: 'define'; readonly t: Target; readonly k: Encoded; readonly d: EncodedDescriptor }
  | { readonly op: 'proto'; readonly t: Target }
  | { readonly op: 'apply'; readonly t: Target; readonly self: Encoded; readonly args: readonly Encoded[] }
  | { readonly op: 'construct'; readonly t: Target; readonly args: readonly Encoded[] }
  | { readonly op: 'settle'; readonly id: number; readonly ok?: Encoded; readonly err?: Encoded }
  | { readonly op: 'release'; readonly ids: readonly (readonly [id: number, count: number])[] };

export type Reply = { readonly ok: Encoded } | { readonly err: Encoded };
