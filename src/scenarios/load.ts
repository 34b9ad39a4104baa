import { existsSync, readdirSync, statSync } from 'node:fs';
import { didYouMean } from '../core/suggest.ts';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScenario, type Scenario } from './dsl.ts';
import { ScenarioError } from './errors.ts';
import { resolveProtocol } from './runner.ts';
import { importUserModule } from './user-module.ts';
import { validateScenario } from './validate.ts';

/** The package's own folder, where the shipped scenarios live. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHIPPED_SCENARIOS_DIR = resolve(PACKAGE_ROOT, 'scenarios');

export interface LoadedScenario {
  scenario: Scenario;
  file: string;
}

/**
 * Finds a scenario file: the path against the working directory first, then among the shipped scenarios (so
 * `scenarios/leader-failure.ts` and plain `leader-failure` both work from anywhere).
 */
export function resolveScenarioPath(given: string, cwd: string): string {
  const withExtension = (path: string) => (extname(path) === '' ? [path, `${path}.ts`, `${path}.mts`] : [path]);
  const candidates = [
    ...withExtension(resolve(cwd, given)),
    ...withExtension(resolve(PACKAGE_ROOT, given)),
    ...withExtension(resolve(SHIPPED_SCENARIOS_DIR, basename(given))),
  ];
  const found = candidates.find((path) => existsSync(path) && statSync(path).isFile());
  if (found === undefined) {
    const hint = didYouMean(basename(given).replace(/\.m?ts$/, ''), shippedScenarioNames());
    throw new ScenarioError(
      `no scenario file "${given}" (looked in ${cwd} and in the shipped scenarios)${hint}; ` +
        'run `tob-lab list` to see the shipped ones, or give the path to your own .ts file',
    );
  }
  return found;
}

/** The shipped scenarios by name (their file names without .ts). */
export function shippedScenarioNames(): string[] {
  return readdirSync(SHIPPED_SCENARIOS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort();
}

/**
 * The compiled package ships its scenarios compiled too (dist/shipped-scenarios/*.js), so running a shipped
 * scenario needs no TypeScript loader; from the sources, or for any other file, the .ts file itself loads.
 */
function loadableFile(file: string): string {
  if (import.meta.url.endsWith('.ts') || dirname(file) !== SHIPPED_SCENARIOS_DIR) return file;
  const compiled = join(PACKAGE_ROOT, 'dist', 'shipped-scenarios', `${basename(file, extname(file))}.js`);
  return existsSync(compiled) ? compiled : file;
}

export async function loadScenario(given: string, cwd: string = process.cwd()): Promise<LoadedScenario> {
  const file = resolveScenarioPath(given, cwd);
  const shown = relative(cwd, file) || file;
  let module: { default?: unknown };
  try {
    module = await importUserModule(loadableFile(file));
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // scenario() itself found the mistake (a missing timeline): its message already says what to fix.
    if (error instanceof Error && error.name === 'ScenarioError') throw new ScenarioError(`${shown}: ${text}`);
    if (/require\(\) ES Module|ERR_REQUIRE_ESM|ERR_REQUIRE_CYCLE_MODULE/.test(text) && extname(file) === '.ts') {
      throw new ScenarioError(
        `${shown} was loaded as CommonJS, since the package.json above it has no "type": "module"; ` +
          'add "type": "module" there, or name the file .mts',
      );
    }
    throw new ScenarioError(`${shown} could not be loaded: ${text}`);
  }
  if (!isScenario(module.default)) {
    throw new ScenarioError(
      `${shown} has no scenario as its default export; end it with \`export default scenario({ ... })\` ` +
        "using `import { scenario } from 'tob-lab'`",
    );
  }
  try {
    // Under a schedule, steps may run as events in any order, so which state a node is in at a step is not fixed.
    validateScenario(module.default, resolveProtocol(module.default.cluster.protocol), {
      nodeStates: module.default.schedule === undefined,
    });
  } catch (error) {
    if (error instanceof ScenarioError) throw new ScenarioError(`${shown}: ${error.message}`);
    throw error;
  }
  return { scenario: module.default, file };
}
