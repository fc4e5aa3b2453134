import { definePlugin } from '@xsb/sandbox';

/** Gives a sandbox timers (setTimeout, setInterval and their clearing) for guests. Not written yet: installing it throws. */
export const timersPlugin = definePlugin({
  name: 'timers',
  install(_context: unknown, _options?: unknown): void {
    throw new Error('@xsb/plugin-timers: install is not implemented yet; leave this plugin out of the sandbox for now');
  },
});
