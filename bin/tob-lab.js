#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so scenario files (.ts) and the package's own sources load the same way,
// with no build step between `npm install` and `npx tob-lab`.
import { register } from 'tsx/esm/api';

register();
// A reader that goes away (`tob-lab ... | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv, {
  cwd: process.cwd(),
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  setExitCode: () => {},
  interactive: process.stdout.isTTY === true && process.env.CI === undefined,
});
