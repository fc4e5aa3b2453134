// The guest code both builds run, in one place: the native host receives these sources on its
// command line, so the two sides cannot drift apart.

/** Machines created and disposed per round, per side. */
export const CREATES = 40;
/** Host → guest deliveries per round. */
export const DELIVERS = 50_000;
/** Guest → host sends per round. */
export const SENDS = 50_000;
/** Bytes of each message; the replies, both ways, are REPLY_SIZE bytes. */
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
  return function receive(message) { return new ArrayBuffer(${REPLY_SIZE}); };
})`;
export const send = `(function () {
  const message = new ArrayBuffer(${MESSAGE_SIZE});
  for (let i = 0; i < ${SENDS}; i++) hostSend(message);
})()`;

export const expected = { fib: 196418, loop: (LOOP_N * (LOOP_N - 1)) / 2 };
