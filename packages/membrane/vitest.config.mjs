import { packageTestConfig } from '../../vitest.base.mjs';

// --expose-gc: the lifetime tests collect the host's garbage on purpose.
export default packageTestConfig({ execArgv: ['--expose-gc'] });
