// The message pump: the guest's end of @xsb/channel's protocol, in the engine. The host speaks the
// protocol through deliver() and onMessage (test/channel.ts is its end); the guest sees messages
// decoded (test/wire.ts: these tests carry text in an APPLY and an OK; wire.test.ts tests the wire).
import {
  decodeCesu8,
  type Engine,
  encodeCesu8,
  GuestError,
  type Handle,
  type Machine,
  MessageTooLargeError,
  NotConnectedError,
} from '@xsb/xs-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACK,
  CONTINUES,
  connectHost,
  expectFrame,
  FRAME_SIZE,
  frame,
  type HostEnd,
  MAX_PAYLOAD,
  MESSAGE,
  PULL,
  REPLY,
  readFrame,
  textOfSize,
} from './channel.js';
import { engine } from './engine.js';
import { decode, encode, guestTextPump, textMessage, textOfMessage, textOfReply, textReply } from './wire.js';

let xs: Engine;
beforeAll(async () => {
  xs = await engine();
});

const MiB = 1024 * 1024;
const bytesOf = (text: string): Uint8Array => encodeCesu8(text);
/** The first character moved to the end: the reply changes if any byte of the message did. */
const rotate = (text: string): string => text.slice(1) + text.slice(0, 1);
/** The same function, as the guest writes it. */
const ROTATE = '(t) => t.slice(1) + t.slice(0, 1)';

/** Where two byte arrays first differ: -1 when equal (toEqual is slow on megabytes). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** The guest error `fn` throws: a GuestError (the engine's) carrying the guest's name and message. */
function guestError(fn: () => unknown): GuestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GuestError);
    return error as GuestError;
  }
  throw new Error('expected a guest error, and nothing was thrown');
}

/** The guest's reply in a REPLY frame, decoded. */
const guestReply = (bytes: Uint8Array) => decode(expectFrame(bytes, REPLY, 0).payload);

/** A machine whose receiver is `receiver` (guest source), with the host's end connected. */
function connected(receiver: string, onMessage?: (message: Uint8Array) => Uint8Array, memoryLimit?: number) {
  const m = xs.createMachine(memoryLimit === undefined ? {} : { memoryLimit });
  m.connect(m.evaluate(guestTextPump(receiver)) as Handle);
  // the host's handler sees the text of each message and answers with text
  const host = connectHost(m, onMessage && ((message) => textReply(decodeCesu8(onMessage(encodeCesu8(textOfMessage(message)))))));
  return { m, host };
}

/** The machine and its channel carry on: a message there and back, and a plain evaluation. */
function expectUsable(m: Machine, host: HostEnd): void {
  expect(host.ask('still here')).toBe('STILL HERE');
  expect(m.evaluate('1 + 1')).toBe(2);
}

describe('the message pump', () => {
  it('delivers a message to the guest and returns its reply, framed as the channel frames them', () => {
    const { m, host } = connected('(text) => text.toUpperCase()');
    expect(host.ask('hello')).toBe('HELLO');
    expect(host.ask('')).toBe('');
    // one frame each way: MESSAGE 0, answered by REPLY 0, both without CONTINUES
    expect(host.delivered).toBe(2);
    expect(m.deliver(frame({ kind: MESSAGE, payload: textMessage('abc') }))).toEqual(
      frame({ kind: REPLY, payload: textReply('ABC') }),
    );
    m.dispose();
  });

  it('lets the guest call the host while handling, nested 100 deep both ways', () => {
    let hostCalls = 0;
    // each side answers n by asking the other for n - 1 first, down to 0
    const { m, host } = connected(
      '(text) => { const n = Number(text); return n === 0 ? "0" : String(Number(send(String(n - 1))) + 1); }',
      (message) => {
        hostCalls++;
        const n = Number(decodeCesu8(message));
        return bytesOf(n === 0 ? '0' : String(Number(host.ask(String(n - 1))) + 1));
      },
    );
    expect(host.ask('200')).toBe('200');
    expect(hostCalls).toBe(100);
    expect(host.received).toBe(100);
    // and the machine is in a clean state afterwards
    expect(m.evaluate('1 + 1')).toBe(2);
    expect(host.ask('3')).toBe('3');
    m.dispose();
  });

  it.each([
    ['exactly one frame', MAX_PAYLOAD],
    ['one byte past a frame', MAX_PAYLOAD + 1],
    ['200 KB', 200_000],
    ['3 MiB', 3 * MiB],
  ])('carries messages and replies of %s (%i bytes) both ways, byte-exact', (_, size) => {
    // host → guest → host → guest → host: every message and reply of the round is `size` bytes
    const message = textOfSize(size, 1);
    const answer = textOfSize(size, 2);
    expect([bytesOf(message).length, bytesOf(answer).length]).toEqual([size, size]);
    const seen: number[] = [];
    const { m, host } = connected(`(text) => (${ROTATE})(send((${ROTATE})(text)))`, (sent) => {
      seen.push(sent.length);
      if (firstDifference(sent, bytesOf(rotate(message))) !== -1) throw new Error('the guest sent damaged text');
      return bytesOf(answer);
    });
    const reply = host.request(textMessage(message));
    expect(seen).toEqual([size]);
    expect(firstDifference(reply, textReply(rotate(answer)))).toBe(-1);
    // every fragment of a message goes out, then one PULL per reply fragment after the first (the
    // APPLY around the text adds 16 bytes, the OK 6: as many fragments each way at these sizes)
    const fragments = Math.ceil((size + 16) / MAX_PAYLOAD);
    expect(Math.ceil((size + 6) / MAX_PAYLOAD)).toBe(fragments);
    expect([host.delivered, host.received]).toEqual([2 * fragments - 1, 2 * fragments - 1]);
    m.dispose();
  });

  it('keeps every UTF-16 code unit both ways: non-ASCII, astral, lone surrogates and U+0000', () => {
    const seen: string[] = [];
    // the guest lists the code units it got, sends the text to the host and returns what came back
    const { m, host } = connected(
      `(text) => {
        const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16)).join();
        const back = send(text);
        return units + '|' + (back === text) + '|' + back;
      }`,
      (message) => {
        const text = decodeCesu8(message);
        seen.push(text);
        return bytesOf(text);
      },
    );
    const units = (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16)).join();
    const samples = [
      'café – naïve ½ ß 日本語',
      '😀 astral 𝄞 and 👩‍👩‍👧',
      '\u0000 nul \u0000 inside\u0000',
      'lone high \ud800 surrogate',
      'lone low \udc00 surrogate',
      'reversed pair \udc00\ud800',
      '\ud83d',
      '\uffff\ufffe\ufeff',
    ];
    for (const sample of samples) expect(host.ask(sample)).toBe(`${units(sample)}|true|${sample}`);
    expect(seen).toEqual(samples);
    m.dispose();
  });

  it('turns a failing host handler into an Error the guest can catch', () => {
    const { m, host } = connected(
      '(text) => { try { send(text); return "sent"; } catch (e) { return (e instanceof Error) + " " + e.name + ": " + e.message; } }',
      () => {
        throw new Error('host says no');
      },
    );
    expect(host.ask('x')).toBe('true Error: host: host says no');
    expect(m.evaluate('1 + 1')).toBe(2);
    m.dispose();
  });

  it('refuses to deliver before connect', () => {
    const m = xs.createMachine();
    expect(() => m.deliver(frame({ kind: MESSAGE, payload: bytesOf('x') }))).toThrow(NotConnectedError);
    m.dispose();
  });

  it('checks what the guest hands over: a receiver, a reply, a request to send', () => {
    const m = xs.createMachine();
    const host = connectHost(m, (message) => encode({ ok: decode(message).op }));
    expect(() => m.connect(m.evaluate('(send) => 42') as Handle)).toThrow(/receiver function/);
    m.connect(
      m.evaluate(
        '(send) => (q) => q.args[0] === "reply" ? { ok: "ok" } : q.args[0] === "bytes" ? new ArrayBuffer(2) : 42',
      ) as Handle,
    );
    const number = guestError(() => host.ask('number'));
    expect([number.guestName, number.message]).toEqual([
      'TypeError',
      'the receiver must return a reply ({ok: value} or {err: value})',
    ]);
    // an object without ok is an ERR; what it holds must be encodable
    expect(decode(host.request(textMessage('bytes')))).toEqual({ err: undefined });
    expect(host.ask('reply')).toBe('ok');
    m.connect(
      m.evaluate(
        '(send) => (q) => { const t = q.args[0]; try { return { ok: t === "none" ? send() : t === "bytes" ? send(new ArrayBuffer(1)) : send({ op: "keys", t: 1 }).ok } } catch (e) { return { ok: e.name + ": " + e.message } } }',
      ) as Handle,
    );
    expect(host.ask('none')).toBe('TypeError: send expects a request ({op, ...}: see protocol.ts)');
    expect(host.ask('bytes')).toBe('TypeError: send expects a request ({op, ...}: see protocol.ts)');
    expect(host.ask('keys')).toBe('keys');
    expect(m.evaluate('1 + 1')).toBe(2);
    m.dispose();
  });

  it('answers malformed messages with a ProtocolError, reading a message whole across its fragments', () => {
    const { m, host } = connected('(text) => text.toUpperCase()');
    const bad = guestReply(
      m.deliver(frame({ kind: MESSAGE, payload: new Uint8Array([9, 12, 0, 0, 0, 0, 0, 1, 0, 0, 0, 6, 2, 0, 0, 0, 0x61, 0xff]) })),
    );
    expect(bad).toEqual({
      err: { $: 'e', n: 'ProtocolError', m: "message byte 17 of 18: a string's byte 0xff is not CESU-8", s: '' },
    });
    expectUsable(m, host);
    // a character may straddle two fragments
    const straddling = textMessage(`${'a'.repeat(MAX_PAYLOAD - 17)}é`);
    expect(straddling[MAX_PAYLOAD - 1]).toBe(0xc3);
    expect(textOfReply(host.request(straddling))).toBe(`${'A'.repeat(MAX_PAYLOAD - 17)}É`);
    // the same character in CESU-8, a surrogate pair of three bytes each, is the guest's two code units
    const astral = connected('(text) => [text.length, text === "\\u{1f600}"].join()');
    expect(astral.host.ask('😀')).toBe('2,true');
    astral.m.dispose();
    // the host's reply to send() is checked the same way, and the guest can catch the error
    m.onMessage = () => frame({ kind: REPLY, payload: new Uint8Array([64, 6, 2, 0, 0, 0, 0x61, 0xff]) });
    expect(m.evaluate('try { send("x") } catch (e) { e.name + ": " + e.message }')).toBe(
      "ProtocolError: the host's reply: message byte 7 of 8: a string's byte 0xff is not CESU-8",
    );
    m.dispose();
  });

  const full = new Uint8Array(MAX_PAYLOAD).fill(0x61);
  const malformed: [string, Uint8Array[], Uint8Array, RegExp][] = [
    ['a frame shorter than the header', [], new Uint8Array(11), /a frame of 11 bytes is shorter than the 12-byte header/],
    ['an empty frame', [], new Uint8Array(0), /a frame of 0 bytes is shorter/],
    [
      'LENGTH short of the payload',
      [],
      frame({ kind: MESSAGE, payload: bytesOf('abc'), length: 2 }),
      /LENGTH says 2 bytes of payload but the frame carries 3/,
    ],
    ['LENGTH past the payload', [], frame({ kind: MESSAGE, payload: bytesOf('abc'), length: 4 }), /LENGTH says 4 bytes/],
    ['KIND 0', [], frame({ kind: 0 }), /unknown KIND 0/],
    ['KIND 5', [], frame({ kind: 5 }), /unknown KIND 5/],
    ['unknown FLAGS', [], frame({ kind: MESSAGE, flags: 2 }), /MESSAGE frame has unknown FLAGS 0x2/],
    ['unknown FLAGS beside CONTINUES', [], frame({ kind: MESSAGE, flags: 0x81, payload: full }), /unknown FLAGS 0x81/],
    ['a nonzero first reserved byte', [], frame({ kind: MESSAGE, reserved: 1 }), /nonzero reserved bytes/],
    ['a nonzero second reserved byte', [], frame({ kind: MESSAGE, reserved: 0x100 }), /nonzero reserved bytes/],
    [
      'a short fragment with CONTINUES',
      [],
      frame({ kind: MESSAGE, flags: CONTINUES, payload: full.subarray(1) }),
      /must be full/,
    ],
    ['a PULL with a payload', [], frame({ kind: PULL, payload: bytesOf('x') }), /PULL 0 carries 1 bytes/],
    ['a PULL with nothing pending', [], frame({ kind: PULL, sequence: 1 }), /PULL 1 arrived with no reply fragment 1 pending/],
    [
      'a PULL out of order',
      [frame({ kind: MESSAGE, payload: textMessage('big') })],
      frame({ kind: PULL, sequence: 2 }),
      /PULL 2 arrived with no reply fragment 2 pending/,
    ],
    [
      'a PULL after the last fragment',
      [frame({ kind: MESSAGE, payload: textMessage('big') }), frame({ kind: PULL, sequence: 1 })],
      frame({ kind: PULL, sequence: 2 }),
      /PULL 2 arrived with no reply/,
    ],
    [
      'a MESSAGE fragment with none before it',
      [],
      frame({ kind: MESSAGE, sequence: 1 }),
      /MESSAGE fragment 1 arrived out of order/,
    ],
    [
      'a MESSAGE fragment out of order',
      [frame({ kind: MESSAGE, flags: CONTINUES, payload: full })],
      frame({ kind: MESSAGE, sequence: 2 }),
      /MESSAGE fragment 2 arrived out of order/,
    ],
    [
      'a bad frame in the middle of a message',
      [frame({ kind: MESSAGE, flags: CONTINUES, payload: full })],
      frame({ kind: 5, sequence: 1 }),
      /unknown KIND 5/,
    ],
    ['an ACK', [], frame({ kind: ACK }), /ACK 0 arrived, but ACK frames only answer frames/],
    ['a REPLY', [], frame({ kind: REPLY, payload: bytesOf('x') }), /REPLY 0 arrived, but REPLY frames only answer frames/],
  ];

  it.each(malformed)(
    'refuses %s with a FrameError, ending the exchange it broke; the machine stays usable',
    (_, before, bad, why) => {
      const { m, host } = connected('(text) => text === "big" ? "b".repeat(100000) : text.toUpperCase()');
      for (const f of before) expect(readFrame(m.deliver(f)).kind).not.toBe(MESSAGE);
      const error = guestError(() => m.deliver(bad));
      expect(error.guestName).toBe('FrameError');
      expect(error.message).toMatch(why);
      // the exchange is over: what would have come next in it is refused too
      const next = before.length > 0 ? readFrame(before.at(-1)!) : undefined;
      if (next?.kind === MESSAGE && next.flags & CONTINUES) {
        expect(guestError(() => m.deliver(frame({ kind: MESSAGE, sequence: 1 }))).guestName).toBe('FrameError');
      }
      if (next?.kind === MESSAGE && !(next.flags & CONTINUES)) {
        expect(guestError(() => m.deliver(frame({ kind: PULL, sequence: 1 }))).guestName).toBe('FrameError');
      }
      expectUsable(m, host);
      m.dispose();
    },
  );

  it('starts afresh at MESSAGE 0, dropping an exchange the host abandoned', () => {
    const { m, host } = connected('(text) => text === "big" ? "b".repeat(100000) : text.toUpperCase()');
    // a message left half sent
    expectFrame(m.deliver(frame({ kind: MESSAGE, flags: CONTINUES, payload: new Uint8Array(MAX_PAYLOAD).fill(0x78) })), ACK, 0);
    expect(host.ask('fresh')).toBe('FRESH');
    // a reply left half pulled
    expect(expectFrame(m.deliver(frame({ kind: MESSAGE, payload: textMessage('big') })), REPLY, 0).flags).toBe(CONTINUES);
    expect(host.ask('fresh again')).toBe('FRESH AGAIN');
    expect(host.ask('big')).toBe('b'.repeat(100000));
    m.dispose();
  });

  it('drops a reply a nested exchange left unpulled rather than add the outer reply to it', () => {
    const { m, host } = connected(
      '(t) => t === "inner" ? "a".repeat(200000) : t === "outer" ? (send("x"), "b".repeat(100000)) : t.toUpperCase()',
      () => {
        // while answering the guest's send, the host starts an exchange and pulls only its first fragment
        const inner = expectFrame(m.deliver(frame({ kind: MESSAGE, payload: textMessage('inner') })), REPLY, 0);
        expect(inner.flags).toBe(CONTINUES);
        return bytesOf('fine');
      },
    );
    const reply = host.request(textMessage('outer'));
    expect(reply.length).toBe(100_006);
    expect(firstDifference(reply, textReply('b'.repeat(100_000)))).toBe(-1);
    expectUsable(m, host);
    m.dispose();
  });

  it("refuses the host's end's answers that break the protocol, as a FrameError the guest can catch", () => {
    const { m } = connected('(text) => text');
    const answers: [Uint8Array, RegExp][] = [
      [new Uint8Array(3), /transport\(\): a frame of 3 bytes is shorter than the 12-byte header/],
      [frame({ kind: ACK }), /transport\(\) answered with ACK 0 where REPLY 0 was expected/],
      [frame({ kind: REPLY, sequence: 1 }), /answered with REPLY 1 where REPLY 0 was expected/],
      [frame({ kind: MESSAGE }), /answered with MESSAGE 0 where REPLY 0 was expected/],
      [frame({ kind: REPLY, flags: 4 }), /unknown FLAGS 0x4/],
    ];
    for (const [answer, why] of answers) {
      m.onMessage = () => answer;
      const caught = m.evaluate('try { send("x"); "sent" } catch (e) { e.name + ": " + e.message }');
      expect(caught).toMatch(/^FrameError: /);
      expect(caught).toMatch(why);
    }
    // a message of two fragments must have its first acknowledged
    m.onMessage = () => frame({ kind: REPLY });
    expect(m.evaluate(`try { send("x".repeat(${MAX_PAYLOAD + 1})); "sent" } catch (e) { e.name + ": " + e.message }`)).toMatch(
      /^FrameError: transport\(\) answered with REPLY 0 where ACK 0 was expected/,
    );
    expect(m.evaluate('1 + 1')).toBe(2);
    m.dispose();
  });

  it('refuses to collect a reply nested in the collection of another, and keeps the outer reply whole', () => {
    const { m, host } = connected(
      '(text) => { if (text !== "inner") return text.toUpperCase(); try { return "sent: " + send("inner"); } catch (e) { return e.name + ": " + e.message; } }',
      (message) => message,
    );
    const seen: string[] = [];
    let delivering = false;
    let inner = '';
    // each a reply of two fragments, the second 2 bytes
    const outerReply = textReply(`${'a'.repeat(MAX_PAYLOAD - 6)}bb`);
    const innerReply = textReply(`${'c'.repeat(MAX_PAYLOAD - 6)}dd`);
    // only a host that delivers while it answers a PULL can begin one collection inside another
    m.onMessage = (bytes) => {
      const got = readFrame(bytes);
      const text = got.kind === MESSAGE ? textOfMessage(got.payload) : `PULL ${got.sequence}`;
      seen.push(text);
      // each send's reply is two fragments: 'a's then "bb" for the outer one, 'c's then "dd" for the inner
      if (got.kind === MESSAGE) {
        return frame({
          kind: REPLY,
          flags: CONTINUES,
          payload: (text === 'outer' ? outerReply : innerReply).subarray(0, MAX_PAYLOAD),
        });
      }
      if (delivering) return frame({ kind: REPLY, sequence: got.sequence, payload: innerReply.subarray(MAX_PAYLOAD) });
      // the outer send's PULL 1: before answering it, a message whose receiver sends
      delivering = true;
      inner = textOfReply(expectFrame(m.deliver(frame({ kind: MESSAGE, payload: textMessage('inner') })), REPLY, 0).payload);
      delivering = false;
      return frame({ kind: REPLY, sequence: got.sequence, payload: outerReply.subarray(MAX_PAYLOAD) });
    };
    const outer = m.evaluate('send("outer")') as string;
    expect(inner).toBe(
      'FrameError: transport(): a reply was being collected when another began; the host must not deliver while it answers a PULL',
    );
    // the inner send pulled nothing, and the outer reply is whole
    expect(seen).toEqual(['outer', 'PULL 1', 'inner']);
    expect(outer.length).toBe(MAX_PAYLOAD - 4);
    expect(outer).toBe(`${'a'.repeat(MAX_PAYLOAD - 6)}bb`);
    // nothing of either is left behind: a reply of two fragments is collected afresh
    m.onMessage = host.receive;
    expect(m.evaluate('send("z".repeat(100000)) === "z".repeat(100000)')).toBe(true);
    expectUsable(m, host);
    m.dispose();
  });

  it('refuses messages past 64 MiB, or past the memory limit while collecting, with MessageTooLargeError', () => {
    const limit = 64 * MiB;
    const { m, host } = connected(
      `(text) => text === "big" ? "r".repeat(${limit + 1}) : text.toUpperCase()`,
      (message) => message,
    );
    const reply = guestError(() => host.ask('big'));
    expect(reply.guestName).toBe('MessageTooLargeError');
    expect(reply.message).toMatch(/more than maxMessageSize \(67108864 bytes\)$/);
    expect(m.evaluate(`try { send("s".repeat(${limit + 1})); "sent" } catch (e) { e.name + ": " + e.message }`)).toMatch(
      /^MessageTooLargeError: .* more than maxMessageSize \(67108864 bytes\)$/,
    );
    expectUsable(m, host);
    m.dispose();

    // a machine of 16 MiB cannot hold a message of 16 MiB
    const small = connected('(text) => text.toUpperCase()', undefined, 16 * MiB);
    const error = guestError(() => small.host.request(new Uint8Array(16 * MiB).fill(0x61)));
    expect(error.guestName).toBe('MessageTooLargeError');
    expect(error.message).toMatch(/^an incoming message of \d+ bytes \(so far\) does not fit in the machine's memory limit$/);
    expect(small.m.memoryUsed).toBeLessThan(2 * MiB);
    expectUsable(small.m, small.host);
    small.m.dispose();
  });

  it('ends the exchange a MessageTooLargeError interrupts: the rest of that message is refused, not delivered', () => {
    // the receiver keeps the length of every message it gets
    const { m, host } = connected(
      '(globalThis.received = [], (text) => (received.push(text.length), text.toUpperCase()))',
      undefined,
      16 * MiB,
    );
    let sequence = 0;
    const tooLarge = guestError(() => {
      for (; ; sequence++)
        expectFrame(m.deliver(frame({ kind: MESSAGE, flags: CONTINUES, sequence, payload: full })), ACK, sequence);
    });
    expect(tooLarge.guestName).toBe('MessageTooLargeError');
    expect(tooLarge.message).toMatch(/does not fit in the machine's memory limit$/);
    expect(sequence).toBeGreaterThan(0);
    // the refused fragment again, now as the last: what it would end was dropped with the error
    const again = guestError(() => m.deliver(frame({ kind: MESSAGE, sequence, payload: bytesOf('abc') })));
    expect([again.guestName, again.message]).toEqual([
      'FrameError',
      `receive(): MESSAGE fragment ${sequence} arrived out of order`,
    ]);
    expect(m.evaluate('received.join()')).toBe('');
    expectUsable(m, host);
    expect(m.evaluate('received.join()')).toBe('10');
    m.dispose();
  });

  it('refuses a frame larger than the scratch region before it reaches the guest', () => {
    const { m, host } = connected('(text) => text.toUpperCase()');
    expect(() => m.deliver(new Uint8Array(FRAME_SIZE + 1))).toThrow(MessageTooLargeError);
    expectUsable(m, host);
    m.dispose();
  });
});

describe('connect', () => {
  it('gives the factory send and a codec of setModuleHook, importNow, evaluateScript, setFastPath and makeTraps, and keeps neither global', () => {
    const m = xs.createMachine();
    m.evaluate('var given;');
    m.connect(
      m.evaluate(
        '(send, codec) => { given = [typeof send, ...Object.getOwnPropertyNames(codec).sort()].join(); return (t) => t }',
      ) as Handle,
    );
    expect(m.evaluate('given')).toBe('function,evaluateScript,importNow,makeTraps,setFastPath,setModuleHook');
    expect(m.evaluate('typeof globalThis.codec + typeof globalThis.send')).toBe('undefinedundefined');
    m.dispose();
  });
});
