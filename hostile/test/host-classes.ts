// The host classes the authority reviews attack (authority-attacks, authority-second), the checks
// each attempt ends with, and what puts the host back after an attack that worked, so that one
// hole fails one test.
import { EventEmitter } from 'node:events';
import type { Sandbox } from '@xsb/sandbox';
import { expect } from 'vitest';
import { changedBetween, classesAndPrototypes, fingerprint } from './attempts.js';

const hostGlobal = globalThis as Record<string, unknown>;
// vitest installs one (source maps): the guest must not replace it
export const hostPrepareStackTrace = (Error as unknown as Record<string, unknown>).prepareStackTrace;

// ---------------------------------------------------------------- the host's classes

/** Plain-property classes, as apps write them (no private fields to stop a foreign `this`). */
export class Counter {
  count?: number;
  increment(): number {
    this.count = (this.count ?? 0) + 1;
    return this.count;
  }
  rename(label: string): void {
    (this as Record<string, unknown>).label = label;
  }
}
// biome-ignore lint/complexity/noStaticOnlyClass: a host class with statics is what the attack targets
export class Registry {
  static table = new Map<string, unknown>([['host', 'host value']]);
  static pattern = /^[a-z]+$/;
  static names = new Set(['host']);
  static lookup(key: string): unknown {
    return Registry.table.get(key);
  }
}
export class Cache {
  declare shared: Map<string, string>;
  lookup(key: string): string | undefined {
    return this.shared.get(key);
  }
}
Cache.prototype.shared = new Map([['k', 'host']]);
export class HostBus extends EventEmitter {}
export class Labelled {
  _label = 'host';
  get label(): string {
    return this._label;
  }
  set label(value: string) {
    this._label = value;
  }
}
export class HostError extends Error {}

export const CLASSES = [Counter, Registry, Cache, HostBus, Labelled, HostError, EventEmitter] as const;

const fingerprintNow = () => fingerprint(classesAndPrototypes(CLASSES));
const pristine = fingerprintNow();

export function expectHostUntouched(): void {
  expect(changedBetween(pristine, fingerprintNow())).toEqual([]);
  expect(hostGlobal.__xsbEscaped).toBeUndefined();
  expect((Object.prototype as Record<string, unknown>).__xsbPolluted).toBeUndefined();
  // the shared state of the host's classes, by value
  expect([...Registry.table]).toEqual([['host', 'host value']]);
  expect(String(Registry.pattern)).toBe('/^[a-z]+$/');
  expect([...Registry.names]).toEqual(['host']);
  expect([...Cache.prototype.shared]).toEqual([['k', 'host']]);
  expect(new Counter().count).toBeUndefined();
  expect(new Counter().increment()).toBe(1);
  expect(new Cache().lookup('k')).toBe('host');
  const bus = new HostBus();
  let heard = '';
  bus.on('ping', (x: string) => (heard = x));
  bus.emit('ping', 'pong');
  expect(heard).toBe('pong');
  expect(new HostBus().listenerCount('ping')).toBe(0);
}

/**
 * Puts back what a successful attack changed, so that one hole fails one test: own properties
 * the classes did not have are deleted, changed ones restored, shared collections refilled.
 */
const descriptors = new Map<object, PropertyDescriptorMap>(
  CLASSES.flatMap((C) => [C, C.prototype]).map((target) => [target, Object.getOwnPropertyDescriptors(target)]),
);
export function restoreHost(): void {
  for (const [target, original] of descriptors) {
    for (const key of Reflect.ownKeys(target)) if (!Object.hasOwn(original, key)) Reflect.deleteProperty(target, key);
    for (const key of Reflect.ownKeys(original)) Reflect.defineProperty(target, key, original[key as string]!);
  }
  Registry.table.clear();
  Registry.table.set('host', 'host value');
  Registry.pattern.compile('^[a-z]+$');
  Registry.names.clear();
  Registry.names.add('host');
  Cache.prototype.shared.clear();
  Cache.prototype.shared.set('k', 'host');
  delete hostGlobal.__xsbEscaped;
  delete (Object.prototype as Record<string, unknown>).__xsbPolluted;
}

export const bystanderEndowments = () => {
  const token = 'b-secret';
  return { vault: { token, reveal: (x: string) => `${x}:${token}` }, Registry, counter: new Counter() };
};

/** A sandbox that holds a secret and the same host classes: it must be unaffected. */
export function expectBystanderFine(bystander: Sandbox): void {
  expect(bystander.evaluate('6 * 7')).toBe(42);
  expect(bystander.evaluate('vault.reveal("x")')).toBe('x:b-secret');
  expect(bystander.evaluate('typeof Registry.lookup("x") + ":" + Registry.lookup("host")')).toBe('undefined:host value');
  expect(bystander.evaluate('counter.count')).toBeUndefined();
}

/** The attempt and the checks every test makes afterwards. */
export function check(victim: Sandbox, bystander: Sandbox): void {
  expectHostUntouched();
  expectBystanderFine(bystander);
  expect(victim.evaluate('1 + 1')).toBe(2);
}
