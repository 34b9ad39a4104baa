// Rewrites the promise table in README.md from the protocols' own data (`npm run docs`); a test checks it is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { readmeWithPromiseTable } from '../src/report/promises.ts';
import { scriptArgs } from './args.ts';

scriptArgs("npm run docs: rewrites the promise table in README.md from the protocols' own promise tables", {});

const file = new URL('../README.md', import.meta.url);
writeFileSync(file, readmeWithPromiseTable(readFileSync(file, 'utf8'), PROTOCOLS));
