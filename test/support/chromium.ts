import { spawnSync } from 'node:child_process';

/**
 * The browser the report tests drive: $CHROMIUM, else Debian's `chromium`, installed with apt-get when it is
 * missing and this process may do so (root on a Debian machine), so `npm test` works on a fresh machine with only
 * Node.js. When it still cannot be had, the tests that need it fail, saying how to install it.
 */
export function ensureChromium(): string {
  if (process.env.CHROMIUM !== undefined) return process.env.CHROMIUM;
  if (found('chromium')) return 'chromium';
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && found('apt-get')) {
    const install = 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null';
    spawnSync('sh', ['-c', install], { stdio: 'ignore', timeout: 600_000 });
  }
  return 'chromium';
}

function found(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
