import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { resolveProtocol } from '../scenarios/index.ts';
import { moduleExtensionFor, protocolModule } from '../scenarios/user-module.ts';
import { counterexampleSource, type CounterexampleInfo } from '../search/counterexample.ts';
import { UsageError } from './errors.ts';

/**
 * Writes a counterexample found by `check` or `explore` as a scenario file in the DSL, into `out` (relative to
 * `cwd`), named `<name>.ts` or `<name>.mts` (whichever loads as an ES module there). A protocol of the user's is
 * imported by the file, relative to it, so `tob-lab run` on the file replays the same run. Returns the absolute
 * path; a directory or file that cannot be written is a usage error naming it.
 */
export function writeCounterexampleFile(
  cwd: string,
  out: string,
  name: string,
  info: Omit<CounterexampleInfo, 'protocolModule' | 'file'>,
): string {
  const directory = resolve(cwd, out);
  const file = join(directory, `${name}${moduleExtensionFor(directory)}`);
  try {
    mkdirSync(directory, { recursive: true });
    const protocol = resolveProtocol(info.scenario.cluster.protocol);
    writeFileSync(file, counterexampleSource({ ...info, protocolModule: protocolModule(protocol), file }));
  } catch (error) {
    throw new UsageError(`cannot write the counterexample to ${file}: ${(error as Error).message}`);
  }
  return file;
}

/** A path as the user should see it: relative inside the working directory, absolute outside it. */
export function shownPath(cwd: string, path: string): string {
  const shown = relative(cwd, path);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}
