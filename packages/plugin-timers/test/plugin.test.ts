import { timersPlugin } from '@xsb/plugin-timers';
import { describe, expect, it } from 'vitest';

describe('timersPlugin', () => {
  it('is named "timers"', () => {
    expect(timersPlugin.name).toBe('timers');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(timersPlugin)).toBe(true);
  });

  it('says it is not implemented yet when installed', () => {
    expect(() => timersPlugin.install({})).toThrow('@xsb/plugin-timers: install is not implemented yet');
  });
});
