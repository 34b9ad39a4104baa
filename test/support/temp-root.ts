import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every temporary directory the suite makes (its own, those of the CLI and of the node
 * processes and browsers it starts) goes under one root, through TMPDIR, and the root is removed when the suite
 * ends, so a run leaves nothing behind in the system's temp folder, whichever test forgot to clean up.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'tob-lab-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  // Every tob-lab process the suite starts runs the sources: test/user-project.test.ts rebuilds dist/ (npm pack)
  // while other tests run, and a half-written build must never be what they start.
  process.env.TOB_LAB_FROM_SOURCE = '1';
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
