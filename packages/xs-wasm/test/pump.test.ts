import { decodeCesu8, type Engine, encodeCesu8, type Handle, MessageTooLargeError, NotConnectedError } from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { engine } from './engine.js';

let xs: Engine;
beforeAll(async () => {
  xs = await engine();
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// A guest receiver that answers "n" by asking the host for n - 1 first, down to 0.
const recursiveGuest = `(send) => (buffer) => {
  const n = new Uint8Array(buffer)[0];
  if (n === 0) return new Uint8Array([0]).buffer;
  const reply = new Uint8Array(send(new Uint8Array([n - 1]).buffer));
  return new Uint8Array([reply[0] + 1]).buffer;
}`;

describe('the message pump', () => {
  it('delivers bytes to the guest and returns its reply', () => {
    const m = xs.createMachine();
    m.connect(
      m.evaluate(
        '(send) => (buffer) => { const s = String.fromCharCode(...new Uint8Array(buffer)); return new Uint8Array([...s.toUpperCase()].map(c => c.charCodeAt(0))).buffer; }',
      ) as Handle,
    );
    expect(decoder.decode(m.deliver(encoder.encode('hello')))).toBe('HELLO');
    expect(m.deliver(new Uint8Array(0))).toEqual(new Uint8Array(0));
    m.dispose();
  });

  it('lets the guest call the host while handling, nested 100 deep both ways', () => {
    let hostCalls = 0;
    const m = xs.createMachine({
      onMessage: (message) => {
        hostCalls++;
        const n = message[0]!;
        if (n === 0) return new Uint8Array([0]);
        // the host answers by asking the guest for n - 1
        return new Uint8Array([m.deliver(new Uint8Array([n - 1]))[0]! + 1]);
      },
    });
    m.connect(m.evaluate(recursiveGuest) as Handle);
    expect(m.deliver(new Uint8Array([200]))[0]).toBe(200);
    expect(hostCalls).toBe(100);
    // and the machine is in a clean state afterwards
    expect(m.evaluate('1 + 1')).toBe(2);
    m.dispose();
  });

  it('passes messages of exactly the scratch size, and refuses larger ones with a typed error', () => {
    const m = xs.createMachine({ onMessage: (message) => message });
    m.connect(m.evaluate('(send) => (buffer) => send(buffer)') as Handle);
    const full = new Uint8Array(65536).map((_, i) => i & 0xff);
    expect(m.deliver(full)).toEqual(full);
    expect(() => m.deliver(new Uint8Array(65537))).toThrow(MessageTooLargeError);
    const big = m.evaluate('(send) => (buffer) => new ArrayBuffer(65537)') as Handle;
    m.connect(big);
    expect(() => m.deliver(new Uint8Array(1))).toThrow(MessageTooLargeError);
    m.dispose();
  });

  it('turns a failing host handler into a guest error the guest can catch', () => {
    const m = xs.createMachine({
      onMessage: () => {
        throw new Error('host says no');
      },
    });
    m.connect(
      m.evaluate(
        '(send) => (buffer) => { try { send(buffer); return new ArrayBuffer(0); } catch (e) { return new Uint8Array([...String(e.message)].map(c => c.charCodeAt(0))).buffer; } }',
      ) as Handle,
    );
    expect(decoder.decode(m.deliver(new Uint8Array(1)))).toBe('host: host says no');
    m.dispose();
  });

  it('refuses to deliver before connect, and checks what the guest hands over', () => {
    const m = xs.createMachine();
    expect(() => m.deliver(new Uint8Array(1))).toThrow(NotConnectedError);
    m.connect(m.evaluate('(send) => (buffer) => "not a buffer"') as Handle);
    expect(() => m.deliver(new Uint8Array(1))).toThrow(/must return an ArrayBuffer/);
    expect(() => m.connect(m.evaluate('(send) => 42') as Handle)).toThrow(/receiver function/);
    m.connect(m.evaluate('(send) => (buffer) => send("text")') as Handle);
    expect(() => m.deliver(new Uint8Array(1))).toThrow(/send expects an ArrayBuffer/);
    m.dispose();
  });
});

describe('the codec given to connect', () => {
  it('turns strings into the bytes XS keeps them as, and back', async () => {
    const xs = await engine();
    const m = xs.createMachine({ onMessage: (message) => message });
    m.connect(
      m.evaluate(`(send, codec) => (buffer) => {
        const text = codec.decode(buffer);
        return codec.encode(codec.decode(send(codec.encode(text + "|é😀\\ud800"))));
      }`) as Handle,
    );
    const reply = m.deliver(encodeCesu8('hello ☃'));
    expect(decodeCesu8(reply)).toBe('hello ☃|é😀\ud800');
    expect(m.evaluate('typeof globalThis.codec')).toBe('undefined');
    m.dispose();
  });
});
