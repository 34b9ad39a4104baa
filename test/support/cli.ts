import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process, capturing its output (fast; no new process). */
export async function runCli(args: string[], cwd: string = REPO_ROOT): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'tob-lab', ...args], {
    cwd,
    write: (text) => (stdout += text),
    writeError: (text) => (stderr += text),
    setExitCode: () => {},
  });
  return { code, stdout, stderr };
}

/** Runs the real bin in a separate Node process, as a user would. */
export function runBin(args: string[], cwd: string = REPO_ROOT): CliResult {
  const result = spawnSync(process.execPath, [`${REPO_ROOT}/bin/tob-lab.js`, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
