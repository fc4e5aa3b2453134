// The guest code both builds run, in one place: the native host receives these sources on its
// command line, so the two sides cannot drift apart.

/** Machines created and disposed per round, per side. */
export const CREATES = 40;
/** Host → guest deliveries per round. */
export const DELIVERS = 50_000;
/** Guest → host sends per round. */
export const SENDS = 50_000;
/** Bytes of each message's text; the replies, both ways, are REPLY_SIZE bytes. Each crosses as one frame of @xsb/channel. */
export const MESSAGE_SIZE = 16;
export const REPLY_SIZE = 8;

export const FIB_N = 27;
export const LOOP_N = 1e7;

/** Evaluated once in each round's machine. */
export const setup = `
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }
`;
export const fib = `fib(${FIB_N})`;
export const loop = `sum(${LOOP_N})`;
/** Handed to connect(): keeps send for the send workload, replies to every delivery. */
export const factory = `(function (send) {
  globalThis.hostSend = send;
  return function receive(message) { return "${'r'.repeat(REPLY_SIZE)}"; };
})`;
export const send = `(function () {
  const message = "${'m'.repeat(MESSAGE_SIZE)}";
  for (let i = 0; i < ${SENDS}; i++) hostSend(message);
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

/** Sum of i + 2 for i below n, what the host → guest loop and callHost both add up. */
const sumPlusTwo = (n: number) => (n * (n - 1)) / 2 + 2 * n;
export const expectedMembrane = {
  hostCalls: sumPlusTwo(HOST_CALLS),
  guestCalls: sumPlusTwo(GUEST_CALLS),
  properties: (PROPERTIES * (PROPERTIES - 1)) / 2,
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
