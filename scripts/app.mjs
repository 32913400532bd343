// `npm run synth` and `npm run plan`: builds lib/ when a source changed, then runs the app (lib/main.js,
// with this process's arguments) in the same process, one Node start-up fewer.
import { createRequire } from 'node:module';
import { buildIfStale } from './build-if-stale.mjs';

buildIfStale();
createRequire(import.meta.url)('../lib/main.js');
