// Debian's Chromium as every browser test launches it: headless, as root (no sandbox), and quiet on
// a machine without a network (without the background-networking flags its connections are
// refused, many at a time).
export const CHROMIUM = process.env.XSB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
