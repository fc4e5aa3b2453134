/** Errors one advance or runDue reports in full; the rest are counted (moreErrors). */
export const MAX_ERRORS = 20;
/** UTF-16 units an error's text is cut to, '…' included. */
export const MAX_ERROR_LENGTH = 200;

// The timers' guest side: the queue and the virtual clock live in the guest's heap, so snapshots
// carry them and a replay fires the same callbacks at the same virtual times. Guest code reaches
// only the globals below; the clock's control is the completion value, which only the host holds
// (kept as the plugin's root).
//
// The script runs before any guest code and takes every built-in it uses then: a guest that later
// replaces a prototype's method, a global or an iterator changes its own code, never the clock's.
// So it uses no iterator (no for-of, spread or array destructuring), sets no array element by
// assignment (a setter on Array.prototype would see it), keeps the timers in an object with no
// prototype, and writes its answer as JSON text by hand (JSON.stringify of an object would ask
// Object.prototype for a toJSON).
//
// control(op, ms) is the host's only way in, one crossing per operation: 'now' and 'pending'
// answer a number, 'advance' and 'runDue' the JSON text {"fired":n,"errors":[...],"moreErrors":n,"now":n}.
// The clock is in the answer because the journal tells a replay apart from the original by the
// replies: two moves of different lengths that fire alike must still answer differently.
export const TIMERS_GUEST = `(() => {
  'use strict';
  const { apply, construct, defineProperty } = Reflect;
  const { freeze } = Object;
  const { max, trunc } = Math;
  const { stringify } = JSON;
  const toNumber = Number;
  const toText = String;
  const NativeError = Error;
  const NativeTypeError = TypeError;
  const NativeDate = Date;
  const { parse: dateParse, UTC: dateUTC } = NativeDate;
  const dateToString = NativeDate.prototype.toString;
  const slice = String.prototype.slice;
  const MAX_ERRORS = ${MAX_ERRORS};
  const MAX_ERROR_LENGTH = ${MAX_ERROR_LENGTH};

  let now = START;
  let nextId = 1;
  let order = 0;
  let count = 0;
  const timers = { __proto__: null };
  const schedule = (callback, delay, args, repeat) => {
    if (typeof callback !== 'function') throw new NativeTypeError('the timer callback must be a function');
    const wait = max(0, trunc(toNumber(delay)) || 0);
    const id = nextId++;
    timers[id] = { due: now + wait, order: order++, callback, args, every: repeat ? max(1, wait) : 0 };
    count++;
    return id;
  };
  const clear = (id) => {
    if (typeof id === 'number' && id in timers) {
      delete timers[id];
      count--;
    }
  };
  const define = (name, value) => defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  define('setTimeout', (callback, delay, ...args) => schedule(callback, delay, args, false));
  define('setInterval', (callback, delay, ...args) => schedule(callback, delay, args, true));
  define('clearTimeout', clear);
  define('clearInterval', clear);

  // Date follows the timers' clock: new Date() and Date.now() read it, everything else is Date's.
  function VirtualDate(...args) {
    if (new.target === undefined) return apply(dateToString, new NativeDate(now), []);
    return args.length === 0 ? new NativeDate(now) : construct(NativeDate, args);
  }
  VirtualDate.prototype = NativeDate.prototype;
  defineProperty(NativeDate.prototype, 'constructor', { value: VirtualDate, writable: true, configurable: true });
  VirtualDate.now = () => now;
  VirtualDate.parse = dateParse;
  VirtualDate.UTC = dateUTC;
  define('Date', VirtualDate);

  /** The id of the timer due first (earliest due time, then earliest set), if one is due by 'until'. */
  const nextDue = (until) => {
    let best;
    for (const id in timers) {
      const timer = timers[id];
      if (timer.due <= until && (best === undefined || timer.due < timers[best].due || (timer.due === timers[best].due && timer.order < timers[best].order))) best = id;
    }
    return best;
  };
  /** What a callback threw, as text the host can show; the guest's own getters run here, metered. */
  const describe = (error) => {
    let text;
    try {
      text = error instanceof NativeError ? error.name + ': ' + error.message : toText(error);
    } catch {
      text = 'a value that could not be described';
    }
    return text.length > MAX_ERROR_LENGTH ? apply(slice, text, [0, MAX_ERROR_LENGTH - 1]) + '…' : text;
  };
  /** Fires timers due by 'until' in order, moving the clock to each; what fired and threw, as JSON text. */
  const fire = (until) => {
    let fired = 0;
    let errors = '';
    let kept = 0;
    let more = 0;
    for (let id = nextDue(until); id !== undefined; id = nextDue(until)) {
      const timer = timers[id];
      now = timer.due;
      if (timer.every) timers[id] = { due: now + timer.every, order: order++, callback: timer.callback, args: timer.args, every: timer.every };
      else {
        delete timers[id];
        count--;
      }
      fired++;
      try {
        apply(timer.callback, undefined, timer.args);
      } catch (error) {
        if (kept < MAX_ERRORS) errors += (kept++ ? ',' : '') + stringify(describe(error));
        else more++;
      }
    }
    return '"fired":' + fired + ',"errors":[' + errors + '],"moreErrors":' + more;
  };
  return freeze((op, ms) => {
    if (op === 'now') return now;
    if (op === 'pending') return count;
    if (op === 'runDue') {
      const fired = fire(now);
      return '{' + fired + ',"now":' + now + '}';
    }
    if (op === 'advance' && typeof ms === 'number' && ms >= 0) {
      const until = now + ms;
      const fired = fire(until);
      now = until;
      return '{' + fired + ',"now":' + now + '}';
    }
    throw new NativeTypeError('timers: no operation ' + toText(op));
  });
})()`;
