// The guest code both builds run, in one place: the native host receives these sources on its
// command line, so the two sides cannot drift apart.
import { encodeMessage } from '@xsb/membrane';

/** Machines created and disposed per round, per side. */
export const CREATES = 40;
/** Host → guest deliveries per round. */
export const DELIVERS = 50_000;
/** Guest → host sends per round. */
export const SENDS = 50_000;

// The raw pump speaks the membrane's binary protocol (@xsb/membrane's protocol.ts): the host
// delivers a GET request, the guest's receiver gets it decoded and returns REPLY_VALUE, which the
// engine encodes; the guest's send loop sends SENT_REQUEST, the host answers with REPLY's bytes.
// Each crosses as one frame of @xsb/channel. The native host gets the same bytes in hex.

/** The request each delivery carries, decoded: a property read of a well-known host object. */
export const DELIVERED_REQUEST = { op: 'get', t: { $: 'w', n: 'x' }, k: 'kkkk' } as const;
/** The request the guest's send loop sends, as the guest builds it. */
export const SENT_REQUEST = DELIVERED_REQUEST;
/** The reply both ways: the receiver's to each delivery, and the host's to each send. */
export const REPLY_VALUE = { ok: 'rrrrrrrr' } as const;
/** The delivered request's and the reply's bytes. */
export const MESSAGE = encodeMessage(DELIVERED_REQUEST);
export const REPLY = encodeMessage(REPLY_VALUE);
export const MESSAGE_SIZE = MESSAGE.length;
export const REPLY_SIZE = REPLY.length;

export const FIB_N = 27;
export const LOOP_N = 1e7;

/** Evaluated once in each round's machine. */
export const setup = `
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
`;
export const fib = `fib(${FIB_N})`;
export const loop = `sum(${LOOP_N})`;
/**
 * Handed to connect(): keeps send for the send workload; the receiver checks that each delivery
 * arrives decoded (its op) and replies with REPLY_VALUE, a fresh object each time as a membrane's would be.
 */
export const factory = `(function (send) {
  globalThis.hostSend = send;
  return function receive(message) {
    if (message.op !== ${JSON.stringify(DELIVERED_REQUEST.op)}) throw new TypeError('the receiver got ' + message.op);
    return { ok: ${JSON.stringify(REPLY_VALUE.ok)} };
  };
})`;
/** The guest's send loop: one request structure, sent SENDS times; each reply is checked. */
export const send = `(function () {
  const message = ${JSON.stringify(SENT_REQUEST)};
  for (let i = 0; i < ${SENDS}; i++) {
    if (hostSend(message).ok !== ${JSON.stringify(REPLY_VALUE.ok)}) throw new TypeError('the host replied otherwise');
  }
})()`;

export const expected = { fib: 196418, loop: (LOOP_N * (LOOP_N - 1)) / 2 };

// The membrane against quickjs-emscripten: the same guest sources on both sides, run with
// evaluateScript on xsb's membrane and evalCode on a QuickJS context.

/** Host → guest calls per round. */
export const HOST_CALLS = 10_000;
/** Guest → host calls per round, one guest loop. */
export const GUEST_CALLS = 10_000;
/** Properties of the guest object the host reads, each once per round. */
export const PROPERTIES = 10_000;

/** A guest function the host calls with two numbers. */
export const add = '(a, b) => a + b';
/** Calls the host's hostAdd GUEST_CALLS times; completes with the sum of the results. */
export const callHost = `(() => {
  let s = 0;
  for (let i = 0; i < ${GUEST_CALLS}; i++) s += hostAdd(i, 2);
  return s;
})()`;
/** A guest object with PROPERTIES keys, k0 = 0 … k9999 = 9999. */
export const object = `(() => {
  const o = {};
  for (let i = 0; i < ${PROPERTIES}; i++) o['k' + i] = i;
  return o;
})()`;
/** The keys the host reads, made on the host side for both engines. */
export const keys = Array.from({ length: PROPERTIES }, (_, i) => `k${i}`);

/** Reads of the 5-key guest object per round: SMALL_READS / 5 passes over its keys. */
export const SMALL_READS = 10_000;
/** A small guest object, the common case. */
export const smallObject = '({ a: 1, b: 2, c: 3, d: 4, e: 5 })';
export const smallKeys = ['a', 'b', 'c', 'd', 'e'] as const;

/** Guest objects read as rows[i].name, each once per round (two crossings each). */
export const ROWS = 1_000;
export const rows = `Array.from({ length: ${ROWS} }, (_, i) => ({ id: i, name: 'row' + i }))`;

/** Host → guest calls with a STRING_SIZE-character string argument per round. */
export const STRING_CALLS = 10_000;
export const STRING_SIZE = 1024;
/** The argument: ASCII, made on the host side. */
export const longString = 'abcdefghijklmnopqrstuvwxyz012345'.repeat(STRING_SIZE / 32);
/** The guest function it is passed to. */
export const measure = '(s) => s.length';

/** console.log calls per round, from one guest loop. */
export const LOGS = 10_000;
export const logLoop = `(() => {
  for (let i = 0; i < ${LOGS}; i++) console.log('line', i);
})()`;

/** Sum of i + 2 for i below n, what the host → guest loop and callHost both add up. */
const sumPlusTwo = (n: number) => (n * (n - 1)) / 2 + 2 * n;
const sumOfLengths = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`.length).reduce((a, b) => a + b, 0);
export const expectedMembrane = {
  hostCalls: sumPlusTwo(HOST_CALLS),
  guestCalls: sumPlusTwo(GUEST_CALLS),
  smallProperties: (SMALL_READS / smallKeys.length) * 15,
  properties: (PROPERTIES * (PROPERTIES - 1)) / 2,
  rows: sumOfLengths(ROWS, 'row'),
  string: STRING_CALLS * STRING_SIZE,
  /** The lines' lengths, 'line 0' to 'line 9999'. */
  plugin: sumOfLengths(LOGS, 'line '),
  fileHostCalls: sumPlusTwo(HOST_CALLS),
};

// Whole sandboxes: guest compute on strings and JSON, creation, snapshots, memory, cold start;
// xsb against quickjs-emscripten and node:vm (not isolating: the host's own V8, a reference).

/** Objects stringified and parsed back, in the guest. */
export const JSON_OBJECTS = 100_000;
export const json = `(() => {
  const items = [];
  for (let i = 0; i < ${JSON_OBJECTS}; i++) items.push({ id: i, name: 'item' + i, tags: ['a', 'b'], ok: i % 2 === 0 });
  const text = JSON.stringify(items);
  return JSON.parse(text).length + text.length;
})()`;
/** Regular expressions and string building over a generated text, in the guest. */
export const REGEX_LINES = 20_000;
export const regex = `(() => {
  const lines = [];
  for (let i = 0; i < ${REGEX_LINES}; i++) lines.push('2026-11-' + (10 + (i % 20)) + ' user' + i + '@example.com GET /items/' + i + '?q=' + (i * 7));
  const text = lines.join('\\n');
  let found = 0;
  for (const match of text.matchAll(/(\\d{4})-(\\d{2})-(\\d{2}) (\\w+)@([\\w.]+) GET \\/items\\/(\\d+)\\?q=(\\d+)/g)) found += Number(match[7]) % 3;
  return found + text.replace(/user(\\d+)/g, (_, n) => 'u' + n).length + text.split('\\n').filter((l) => /@example\\.com/.test(l)).length;
})()`;
/** Builds about 1 MiB of live guest objects, kept in a global. */
export const heap = `globalThis.kept = Array.from({ length: 12_000 }, (_, i) => ({ i, label: 'object number ' + i, values: [i, i * 2, i * 3] })); kept.length`;
