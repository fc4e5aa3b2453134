import { describePluginLayering } from '../../../test-support/plugin-layering.js';

describePluginLayering(import.meta.url);
