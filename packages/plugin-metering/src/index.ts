import { definePlugin } from '@xsb/sandbox';

/** Gives a sandbox metering limits for guests. Not written yet: installing it throws. */
export const meteringPlugin = definePlugin({
  name: 'metering',
  install(_context: unknown, _options?: unknown): void {
    throw new Error('@xsb/plugin-metering: install is not implemented yet; leave this plugin out of the sandbox for now');
  },
});
