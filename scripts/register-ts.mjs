// `node --import <repo>/scripts/register-ts.mjs file.ts` runs TypeScript on Node 20 (see ts-hooks.mjs).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
