import { definePlugin, errors, PluginDefinitionError, type SandboxPlugin } from '@xsb/sandbox';
import { describe, expect, it } from 'vitest';

const install = () => undefined;

describe('definePlugin', () => {
  it('returns the plugin it was given, frozen', () => {
    const plugin = { name: 'timers', install };
    const defined = definePlugin(plugin);
    expect(defined).toBe(plugin);
    expect(Object.isFrozen(defined)).toBe(true);
    expect(() => {
      (defined as { name: string }).name = 'other';
    }).toThrow(TypeError);
  });

  it('accepts bare and scoped names', () => {
    for (const name of ['timers', 'plugin-2', '@acme/timers', '@acme-co/my.plugin_x']) {
      expect(definePlugin({ name, install }).name).toBe(name);
    }
  });

  it.each([
    ['', '""'],
    ['Timers', '"Timers"'],
    ['my plugin', '"my plugin"'],
    ['@acme', '"@acme"'],
    ['@acme/', '"@acme/"'],
    ['acme/timers', '"acme/timers"'],
    [42, '42'],
    [undefined, 'undefined'],
  ])('rejects the name %j, quoting it', (name, quoted) => {
    const attempt = () => definePlugin({ name, install } as unknown as SandboxPlugin);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(PluginDefinitionError);
    expect(attempt).toThrow(`name is ${quoted}; expected a non-empty string`);
  });

  it.each([
    [undefined, 'undefined'],
    ['install', '"install"'],
    [{}, 'an object'],
  ])('rejects install %j, saying a function is expected', (bad, quoted) => {
    const attempt = () => definePlugin({ name: 'timers', install: bad } as unknown as SandboxPlugin);
    expect(attempt).toThrow(TypeError);
    expect(attempt).toThrow(`install is ${quoted}; expected a function`);
  });

  it('reports every problem at once', () => {
    try {
      definePlugin({ name: 'Bad Name', install: null } as unknown as SandboxPlugin);
      expect.unreachable('definePlugin accepted a bad plugin');
    } catch (error) {
      expect(error).toBeInstanceOf(errors.PluginDefinitionError);
      expect((error as PluginDefinitionError).name).toBe('PluginDefinitionError');
      expect((error as PluginDefinitionError).problems).toEqual([
        expect.stringContaining('name is "Bad Name"'),
        expect.stringContaining('install is null'),
      ]);
    }
  });

  it('rejects a value that is not an object', () => {
    expect(() => definePlugin(null as unknown as SandboxPlugin)).toThrow(
      'expected an object with a name and an install function, got null',
    );
    expect(() => definePlugin('timers' as unknown as SandboxPlugin)).toThrow('got "timers"');
  });
});
