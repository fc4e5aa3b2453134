// The journal's own bytes, without a machine: the CRC, entries and header, the id tables read
// from binary messages, and the versions a reader refuses.

import {
  describeEntry,
  encodeEntry,
  encodeHeader,
  entryText,
  JOURNAL_FORMAT_VERSION,
  type JournalEntry,
  JournalFormatError,
  type JournalHeader,
  JournalReader,
  MemorySink,
  ProtocolVersionError,
  readJournal,
  readJournalHeader,
  Tables,
  textEntry,
} from '@xsb/journal';
import { encodeMessage, type Message, PROTOCOL_VERSION, ProtocolError } from '@xsb/membrane';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/crc32.js';
import { EntryEncoder } from '../src/format.js';

/** The byte-at-a-time CRC-32 the journal used before slicing. */
function reference(bytes: Uint8Array, start: number, end: number, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) {
    let c = (crc ^ bytes[i]!) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (c ^ (crc >>> 8)) >>> 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const header: JournalHeader = { id: 'test', buildId: 'b', protocol: PROTOCOL_VERSION, machine: {} };
const journalOf = (h: unknown, ...entries: JournalEntry[]) =>
  new Uint8Array([...encodeHeader(h as JournalHeader), ...entries.flatMap((e) => [...encodeEntry(e)])]);
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('crc32', () => {
  it('gives the byte-at-a-time values for every length, offset and split', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) ^ (i >> 3));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= bytes.length; end += 1 + (end >> 4)) {
        const want = reference(bytes, start, end);
        expect(crc32(bytes, start, end)).toBe(want);
        const mid = start + ((end - start) >> 1);
        expect(crc32(bytes, mid, end, crc32(bytes, start, mid))).toBe(want);
      }
    }
  });
});

describe('entries', () => {
  it('frame binary messages and text alike, and read back as they were', () => {
    const entries: JournalEntry[] = [
      textEntry('endow', '{"unit":"string \\"m\\""}'),
      { kind: 'toGuest', message: encodeMessage({ op: 'get', t: { $: 'w', n: 'globalThis' }, k: 'x' }) },
      { kind: 'guestReply', message: encodeMessage({ ok: 'lone \ud800 and \u0000' }) },
      { kind: 'toGuest', message: encodeMessage({ op: 'keys', t: { $: 'd', id: 3 } }) },
      textEntry('abort', 'MeterExhaustedError'),
      textEntry('collect'),
      textEntry('meter', '{"limit":0,"budget":null}'),
    ];
    const read = readJournal(journalOf(header, ...entries));
    expect(read.header).toEqual(header);
    expect(read.entries).toEqual(entries);
    expect(entryText(read.entries[0]!)).toBe('{"unit":"string \\"m\\""}');
    expect(entryText(read.entries[5]!)).toBe('');
    expect(entryText(textEntry('abort', 'lone \udc00'))).toBe('lone \udc00');
    expect(read.tornBytes).toBe(0);
    expect(read.completeEntries).toBe(entries.length);
  });

  it('are framed in a buffer the encoder keeps, the same bytes as encodeEntry gives', () => {
    const encoder = new EntryEncoder();
    const big = new Uint8Array(100_000).fill(7);
    for (const message of [new Uint8Array(0), encodeMessage({ ok: 1 }), big, encodeMessage({ ok: 2 })]) {
      expect(encoder.encode(1, message)).toEqual(encodeEntry({ kind: 'guestReply', message }));
    }
  });

  it('are described in a line, cut at 300 characters', () => {
    const line = describeEntry({ kind: 'guestReply', message: encodeMessage({ ok: 'x'.repeat(1000) }) });
    expect(line.startsWith('guestReply {"ok":"xxx')).toBe(true);
    expect(line.length).toBeLessThanOrEqual('guestReply '.length + 301);
    expect(line.endsWith('…')).toBe(true);
    expect(describeEntry({ kind: 'guestReply', message: encodeMessage({ ok: 101 }) })).toBe('guestReply {"ok":101}');
    expect(describeEntry(textEntry('abort', 'RangeError'))).toBe('abort RangeError');
    expect(describeEntry(textEntry('snapshot'))).toBe('snapshot');
    expect(describeEntry({ kind: 'hostReply', message: Uint8Array.of(64, 99) })).toMatch(
      /^hostReply <2 bytes the protocol refuses: message byte 1 of 2: unknown value tag 99>$/,
    );
  });

  it('go to a MemorySink that keeps them in order, whatever the writer does with its buffer after', () => {
    const sink = new MemorySink();
    const scratch = new Uint8Array(3000);
    const expected: number[] = [];
    for (let i = 0; i < 200; i++) {
      const bytes = scratch.subarray(0, (i * 37) % 3000);
      bytes.fill(i);
      sink.write(bytes);
      expected.push(...bytes);
      scratch.fill(255);
    }
    expect(sink.size).toBe(expected.length);
    expect(sink.bytes()).toEqual(Uint8Array.from(expected));
  });
});

describe('versions', () => {
  it('records the protocol version in the header', () => {
    expect(JOURNAL_FORMAT_VERSION).toBe(3);
    expect(readJournalHeader(journalOf(header)).protocol).toBe(PROTOCOL_VERSION);
  });

  it('refuses a journal of another protocol version with a ProtocolVersionError naming both', () => {
    for (const protocol of [PROTOCOL_VERSION + 1, 0, undefined, '1']) {
      const error = thrown(() => readJournal(journalOf({ ...header, protocol })));
      expect(error, String(protocol)).toBeInstanceOf(ProtocolVersionError);
      expect(error).toBeInstanceOf(JournalFormatError);
      expect((error as ProtocolVersionError).written).toBe(protocol);
      expect((error as ProtocolVersionError).supported).toBe(PROTOCOL_VERSION);
      expect((error as Error).message).toBe(
        `journal byte 12: the journal's messages are in membrane protocol version ${JSON.stringify(protocol)}, but this membrane speaks version ${PROTOCOL_VERSION} only: restore it with the @xsb/journal and @xsb/membrane versions that wrote it`,
      );
    }
  });

  it('refuses a journal of another format version with a JournalFormatError naming both', () => {
    for (const version of [1, 2, 4]) {
      const bytes = journalOf(header);
      bytes[4] = version;
      const error = thrown(() => new JournalReader().push(bytes));
      expect(error).toBeInstanceOf(JournalFormatError);
      expect((error as Error).message).toBe(
        `journal byte 4: format version ${version}, but this reader knows version 3 only: read it with the @xsb/journal version that wrote it`,
      );
    }
  });
});

describe('the id tables, read from the messages', () => {
  const observe = (tables: Tables, kind: JournalEntry['kind'], message: Message) =>
    tables.observe({ kind, message: encodeMessage(message) });

  it('count what each side sent, by name, and drop what is released and settled', () => {
    const tables = new Tables();
    observe(tables, 'toGuest', {
      op: 'apply',
      t: { $: 'd', id: 1 },
      self: { $: 's', id: 5, k: 'o' },
      args: [
        { $: 's', id: 6, k: 'f', n: 'log' },
        { $: 'p', id: 7 },
      ],
    });
    observe(tables, 'hostReply', { ok: [{ $: 's', id: 5, k: 'o' }] });
    observe(tables, 'hostReply', {
      ok: { $: 'e', n: 'Error', m: 'm', s: '', c: { $: 's', id: 9, k: 'a' } },
    });
    observe(tables, 'toGuest', { op: 'define', t: { $: 'd', id: 2 }, k: 'x', d: { g: { $: 's', id: 6, k: 'f' }, e: true } });
    observe(tables, 'guestReply', { ok: { $: 's', id: 30, k: 'o' } });
    observe(tables, 'fromGuest', { op: 'set', t: { $: 'd', id: 5 }, k: { $: 'y', w: 'iterator' }, v: { $: 'p', id: 31 } });
    observe(tables, 'fromGuest', { op: 'apply', t: { $: 'd', id: 6 }, self: undefined, args: [{ $: 's', id: 30, k: 'o' }] });
    expect(tables.state()).toEqual({
      nextId: 10,
      exported: [
        [5, 2],
        [6, 2, 'log'],
        [9, 1],
      ],
      imported: [[30, 2]],
      promises: [7],
      awaited: [31],
    });
    // the guest released host objects; the host released guest objects; promises settled both ways
    observe(tables, 'fromGuest', {
      op: 'release',
      ids: [
        [5, 2],
        [6, 1],
        [99, 1],
      ],
    });
    observe(tables, 'toGuest', { op: 'release', ids: [[30, 1]] });
    observe(tables, 'toGuest', { op: 'settle', id: 7, ok: 1 });
    observe(tables, 'fromGuest', { op: 'settle', id: 31, err: { $: 's', id: 32, k: 'o' } });
    // other kinds name no ids
    tables.observe(textEntry('endow', '{"log":"function"}'));
    expect(tables.state()).toEqual({
      nextId: 10,
      exported: [
        [6, 1, 'log'],
        [9, 1],
      ],
      imported: [
        [30, 1],
        [32, 1],
      ],
      promises: [],
      awaited: [],
    });
  });

  it('refuse a message the protocol refuses with its ProtocolError, and stay as they were', () => {
    const tables = new Tables();
    observe(tables, 'toGuest', { op: 'get', t: { $: 'd', id: 1 }, k: { $: 's', id: 4, k: 'o' } });
    const before = tables.state();
    const message = encodeMessage({
      op: 'apply',
      t: { $: 'd', id: 1 },
      self: { $: 's', id: 8, k: 'o' },
      args: [{ $: 'p', id: 9 }],
    });
    const cases = [
      ...Array.from({ length: message.length }, (_, cut) => message.slice(0, cut)),
      Uint8Array.of(...message, 0),
      Uint8Array.of(message[0]!, 99, ...message.subarray(2)),
      Uint8Array.of(13, ...message.subarray(1)),
    ];
    for (const bytes of cases) {
      for (const kind of ['toGuest', 'guestReply', 'fromGuest', 'hostReply'] as const) {
        expect(() => tables.observe({ kind, message: bytes }), `${kind} ${bytes.length}`).toThrow(ProtocolError);
      }
    }
    expect(tables.state()).toEqual(before);
  });
});
