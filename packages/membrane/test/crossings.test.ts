// What the host's own operations cost in crossings: evaluating is one call into the guest, and a
// kept guest function is called by its name, with nothing looked up first.
import { attachMembrane, decodeMessage, type MembraneWire, ProtocolError } from '@xsb/membrane';
import { loadEngine } from '@xsb/xs-wasm';
import { describe, expect, it } from 'vitest';

const engine = await loadEngine();

/** A membrane whose host → guest requests are counted. */
function counted() {
  const requests: unknown[] = [];
  const membrane = attachMembrane(engine.createMachine(), {
    wire: (direct): MembraneWire => ({
      toGuest: (bytes) => {
        requests.push(decodeMessage(bytes));
        return direct.toGuest(bytes);
      },
      fromGuest: direct.fromGuest,
    }),
  });
  return { membrane, requests };
}

describe('crossings', () => {
  it('evaluates a script in one call into the guest', () => {
    const { membrane, requests } = counted();
    expect(membrane.evaluateScript('6 * 7')).toBe(42);
    expect(requests).toEqual([{ op: 'apply', t: { $: 'w', n: 'control:evaluateScript' }, self: undefined, args: ['6 * 7'] }]);
  });

  it('calls a kept guest function by its name: one crossing a call, none to make the proxy', () => {
    const { membrane, requests } = counted();
    membrane.keep('double', membrane.evaluateScript('(x) => x * 2'));
    requests.length = 0;
    const double = membrane.keptFunction('double');
    expect(requests).toEqual([]);
    expect(double(21)).toBe(42);
    expect(double(1)).toBe(2);
    expect(requests).toEqual([
      { op: 'apply', t: { $: 'w', n: 'kept:double' }, self: undefined, args: [21] },
      { op: 'apply', t: { $: 'w', n: 'kept:double' }, self: undefined, args: [1] },
    ]);
    expect(membrane.keptFunction('double')).toBe(double);
  });

  it('says when nothing callable is kept under the name', () => {
    const { membrane } = counted();
    expect(() => membrane.keptFunction('missing')()).toThrow(ProtocolError);
    expect(() => membrane.keptFunction('missing')()).toThrow(/no well-known object "kept:missing"/);
    membrane.keep('number', 42);
    expect(() => membrane.keptFunction('number')()).toThrow(ProtocolError);
    membrane.keep('object', membrane.evaluateScript('({ a: 1 })'));
    expect(() => membrane.keptFunction('object')()).toThrow(/not a function/);
    // the control channel's methods go by name, and only its own
    expect(membrane.evaluateScript('typeof globalThis')).toBe('object');
  });
});
