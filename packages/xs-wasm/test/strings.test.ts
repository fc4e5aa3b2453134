import { decodeCesu8, type Engine, encodeCesu8, type Handle, type Machine } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { engine } from './engine.js';

let m: Machine;
let xs: Engine;
beforeAll(async () => {
  xs = await engine();
  m = xs.createMachine();
});

const samples = [
  '',
  'plain ascii',
  'café – naïve ½ ß',
  '日本語のテキスト',
  '😀 astral 𝄞 and 👩‍👩‍👧',
  '\u0000 nul inside',
  'lone high \ud800 surrogate',
  'lone low \udc00 surrogate',
  'reversed pair \udc00\ud800',
  '\uffff\ufffe\ufeff',
];

describe('strings', () => {
  it('cross from host to guest and back unchanged, through evaluate and call', () => {
    const identity = m.evaluate('(s) => s') as Handle;
    const codeUnits = m.evaluate('(s) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)).join()') as Handle;
    for (const sample of samples) {
      expect(m.call(identity, undefined, sample)).toBe(sample);
      expect(m.call(codeUnits, undefined, sample)).toBe(
        Array.from({ length: sample.length }, (_, i) => sample.charCodeAt(i)).join(),
      );
      expect(m.evaluate(`${JSON.stringify(sample)}`)).toBe(sample);
    }
  });

  it('made in the guest arrive as the same UTF-16 code units', () => {
    expect(m.evaluate('String.fromCodePoint(0x1f600)')).toBe('😀');
    expect(m.evaluate('"\\ud800"')).toBe('\ud800');
    expect(m.evaluate('"a\\udc00b".length')).toBe(3);
    expect(m.evaluate('"😀".length')).toBe(2);
    expect(m.evaluate('[..."😀𝄞"].length')).toBe(2);
    expect(m.evaluate('"x".padEnd(100000, "é😀")')).toBe('x'.padEnd(100000, 'é😀'));
  });

  it('of any length come back, beyond the scratch region', () => {
    const long = 'é😀x'.repeat(100_000);
    const identity = m.evaluate('(s) => s + s') as Handle;
    expect(m.evaluate('"ab".repeat(1 << 20)')).toBe('ab'.repeat(1 << 20));
    expect(m.call(identity, undefined, 'é😀x'.repeat(1000))).toBe('é😀x'.repeat(2000));
    expect(m.evaluate(`${JSON.stringify(long)}.length`)).toBe(long.length);
  });

  it('encode to CESU-8 and decode from it or from UTF-8', () => {
    expect([...encodeCesu8('😀')]).toEqual([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
    expect([...encodeCesu8('\ud800')]).toEqual([0xed, 0xa0, 0x80]);
    for (const sample of samples) expect(decodeCesu8(encodeCesu8(sample))).toBe(sample);
    expect(decodeCesu8(new TextEncoder().encode('😀 utf-8'))).toBe('😀 utf-8');
  });
});
