import { consolePlugin } from '@xsb/plugin-console';
import { meteringPlugin } from '@xsb/plugin-metering';
export const plugins = [meteringPlugin, [consolePlugin, (s, l) => {}]];
export const endowments = () => ({ parseConfig: (s) => JSON.parse(s) });
