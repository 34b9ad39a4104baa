#!/usr/bin/env node
// The CLI runs the compiled package (dist/, built by `npm run build`, at `prepare` and `prepack`). In a checkout
// whose sources are newer than the build, or that has no build yet, it runs the sources through tsx instead, so
// what runs is always what the sources say. A scenario or protocol written in TypeScript loads tsx on demand.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const sources = fileURLToPath(new URL('../src', import.meta.url));

/** The newest modification time of any file under `dir` (a checkout's sources: about 150 files, a few ms). */
function newestMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function runSources() {
  if (process.env.TOB_LAB_FROM_SOURCE === '1' || !existsSync(compiled)) return true;
  return existsSync(sources) && newestMs(sources) > statSync(compiled).mtimeMs;
}

// A reader that goes away (`tob-lab ... | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
let main;
if (runSources()) {
  const { register } = await import('node:module');
  register('./source-hooks.mjs', import.meta.url);
  const tsx = await import('tsx/esm/api');
  tsx.register();
  ({ main } = await import('../src/cli/main.ts'));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv, {
  cwd: process.cwd(),
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  setExitCode: () => {},
  interactive: process.stdout.isTTY === true && process.env.CI === undefined,
});
