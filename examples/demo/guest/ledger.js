// The guest: a small ledger service. It has ECMAScript, the clock and timers the timers plugin
// gives it, and `print`, which the host endowed. Nothing else.
import { formatCoins } from './format.js';

const accounts = new Map();
const history = [];
let days = 0;

// interest at 1% a day, paid by a timer on the guest's virtual clock
setInterval(
  () => {
    days++;
    for (const [who, balance] of accounts) {
      const interest = Math.round(balance) / 100;
      accounts.set(who, balance + interest);
      history.push(`day ${days}: ${who} earned ${formatCoins(interest)}`);
    }
    print(`  [guest] day ${days} (${new Date().toISOString().slice(0, 10)}): interest paid on ${accounts.size} account(s)`);
  },
  24 * 60 * 60 * 1000,
);

export function deposit(who, amount) {
  const balance = (accounts.get(who) ?? 0) + amount;
  accounts.set(who, balance);
  history.push(`${new Date().toISOString().slice(0, 10)}: ${who} deposited ${formatCoins(amount)}`);
  return formatCoins(balance);
}

export function statement() {
  return [...accounts].map(([who, balance]) => `${who} ${formatCoins(balance)}`).join(', ');
}

export const entries = () => history.length;

// a guest that misbehaves: the meter stops it, whatever it does
export function spin() {
  let turns = 0;
  try {
    while (turns >= 0) turns++;
  } finally {
    print('  [guest] this never prints: a spent meter ends the call without running finally');
  }
}
