#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so scenario files (.ts) and the package's own sources load the same way,
// with no build step between `npm install` and `npx tob-lab`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv, {
  cwd: process.cwd(),
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  setExitCode: () => {},
  interactive: process.stdout.isTTY === true && process.env.CI === undefined,
});
