import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD_PATH = fileURLToPath(new URL('./child.ts', import.meta.url));
/** A child prints a few JSON lines; anything far beyond that is a runaway and is cut. */
const OUTPUT_BYTES_MAX = 16 * 1024 * 1024;

export interface ChildOptions {
  /** Flags for node itself, before the script (e.g. --cpu-prof, --expose-gc). */
  nodeArgs?: string[];
  timeoutMs: number;
}

/**
 * Runs `bench/child.ts` with `args` in a fresh node process (its own heap, so its peak RSS is its own) and
 * returns the JSON lines it printed. Rejects on a non-zero exit or when the time limit passes (the child is
 * killed then).
 */
export function runChild(args: readonly string[], options: ChildOptions): Promise<unknown[]> {
  const argv = [...(options.nodeArgs ?? []), '--import', 'tsx', CHILD_PATH, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const collect = (chunk: Buffer, into: 'out' | 'err') => {
      if (into === 'out' && stdout.length < OUTPUT_BYTES_MAX) stdout += chunk.toString();
      if (into === 'err' && stderr.length < OUTPUT_BYTES_MAX) stderr += chunk.toString();
    };
    child.stdout.on('data', (chunk: Buffer) => collect(chunk, 'out'));
    child.stderr.on('data', (chunk: Buffer) => collect(chunk, 'err'));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        const why =
          signal !== null ? `was killed (${signal}; time limit ${options.timeoutMs} ms)` : `exited with ${code}`;
        reject(new Error(`bench child "${args.join(' ')}" ${why}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      const lines = stdout.split('\n').filter((line) => line.startsWith('{'));
      resolve(lines.map((line) => JSON.parse(line) as unknown));
    });
  });
}
