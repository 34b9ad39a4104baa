import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { readmeWithPromiseTable } from '../src/report/promises.ts';
import { REPO_ROOT } from './support/cli.ts';

describe('README.md', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('shows the two set-up commands', () => {
    expect(readme).toContain('npm install\nnpx tob-lab run scenarios/leader-failure.ts --seed 42');
    expect(readme).toContain('npm test');
  });

  it('shows the current promise table of every protocol (regenerate with `npm run docs`)', () => {
    expect(readmeWithPromiseTable(readme, PROTOCOLS)).toBe(readme);
    for (const protocol of PROTOCOLS) expect(readme).toContain(`| ${protocol.name} |`);
  });
});

describe('the README example of a protocol of your own', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  for (const file of ['gossip-chat.ts', 'gossip-chat.test.ts']) {
    it(`shows examples/${file} as it is (test/user-project.test.ts runs it from a packed tarball)`, () => {
      const block = new RegExp(`<!-- example: ${file.replace(/\./g, '\\.')} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(
        readme,
      )?.[1];
      expect(block).toBe(readFileSync(join(REPO_ROOT, 'examples', file), 'utf8'));
    });
  }
});
