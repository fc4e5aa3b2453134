// The timers' guest side: the queue and the virtual clock live in the guest's heap, so snapshots
// carry them and a replay fires the same callbacks at the same virtual times. Guest code reaches
// only the globals below; the clock's controls are the completion value, which only the host
// holds (kept as the plugin's root).
export const TIMERS_GUEST = `(() => {
  'use strict';
  let now = START;
  let nextId = 1;
  let order = 0;
  const timers = new Map();
  const schedule = (callback, delay, args, repeat) => {
    if (typeof callback !== 'function') throw new TypeError('the timer callback must be a function');
    const wait = Math.max(0, Math.trunc(Number(delay)) || 0);
    const id = nextId++;
    timers.set(id, { due: now + wait, order: order++, callback, args, every: repeat ? Math.max(1, wait) : 0 });
    return id;
  };
  const clear = (id) => { timers.delete(id); };
  const define = (name, value) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
  define('setTimeout', (callback, delay, ...args) => schedule(callback, delay, args, false));
  define('setInterval', (callback, delay, ...args) => schedule(callback, delay, args, true));
  define('clearTimeout', clear);
  define('clearInterval', clear);

  // Date follows the timers' clock: new Date() and Date.now() read it, everything else is Date's.
  const NativeDate = Date;
  function VirtualDate(...args) {
    if (new.target === undefined) return new NativeDate(now).toString();
    return args.length === 0 ? new NativeDate(now) : new NativeDate(...args);
  }
  VirtualDate.prototype = NativeDate.prototype;
  Object.defineProperty(NativeDate.prototype, 'constructor', { value: VirtualDate, writable: true, configurable: true });
  VirtualDate.now = () => now;
  VirtualDate.parse = NativeDate.parse;
  VirtualDate.UTC = NativeDate.UTC;
  define('Date', VirtualDate);

  /** The timer due first (earliest due time, then earliest set), if it is due by 'until'. */
  const nextDue = (until) => {
    let best;
    for (const [id, timer] of timers) {
      if (timer.due <= until && (!best || timer.due < best[1].due || (timer.due === best[1].due && timer.order < best[1].order))) best = [id, timer];
    }
    return best;
  };
  /** Fires timers due by 'until' in order, moving the clock to each; returns how many fired and the errors they threw. */
  const fire = (until) => {
    let fired = 0;
    const errors = [];
    for (let due = nextDue(until); due; due = nextDue(until)) {
      const [id, timer] = due;
      now = timer.due;
      if (timer.every) timers.set(id, { ...timer, due: now + timer.every, order: order++ });
      else timers.delete(id);
      fired++;
      try {
        timer.callback(...timer.args);
      } catch (error) {
        errors.push(error instanceof Error ? error.name + ': ' + error.message : String(error));
      }
    }
    return { fired, errors };
  };
  return Object.freeze({
    now: () => now,
    pending: () => timers.size,
    advance(ms) {
      const until = now + Math.max(0, Number(ms) || 0);
      const result = fire(until);
      now = until;
      return result;
    },
    runDue: () => fire(now),
  });
})()`;
