// Run from the sources only (the compiled package starts dist/search/sweep-worker.js directly). Worker threads
// start without the parent's module hooks: map 'tob-lab' to the sources and register tsx, then load the worker.
import { register as registerHook } from 'node:module';
import { register } from 'tsx/esm/api';

registerHook('../../bin/source-hooks.mjs', import.meta.url);
register();
await import('./sweep-worker.ts');
