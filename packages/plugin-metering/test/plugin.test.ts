import { meteringPlugin } from '@xsb/plugin-metering';
import { describe, expect, it } from 'vitest';

describe('meteringPlugin', () => {
  it('is named "metering"', () => {
    expect(meteringPlugin.name).toBe('metering');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(meteringPlugin)).toBe(true);
  });

  it('says it is not implemented yet when installed', () => {
    expect(() => meteringPlugin.install({})).toThrow('@xsb/plugin-metering: install is not implemented yet');
  });
});
