import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

const FORBIDDEN: Array<[string, RegExp]> = [
  ['Date', /\bDate\b/],
  ['Math.random', /\bMath\.random\b/],
  ['setTimeout', /\bsetTimeout\b/],
  ['setInterval', /\bsetInterval\b/],
  ['setImmediate', /\bsetImmediate\b/],
  ['performance', /\bperformance\b/],
  ['process', /\bprocess\b/],
  ['fs', /from\s+['"](node:)?fs(\/promises)?['"]|require\(\s*['"](node:)?fs/],
  ['net', /from\s+['"](node:)?(net|dgram|http|https|child_process)['"]/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Code with comments and string contents blanked, so a comment that names Date is not a use of it. */
function codeOnly(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, ' ')
    .replace(/`(?:\\.|[^`\\])*`/g, '``')
    .replace(/'(?:\\.|[^'\\])*'/g, (literal) => (literal.includes('fs') || literal.includes('net') ? literal : "''"));
}

describe('protocol code stays inside the node contract', () => {
  const files = sourceFiles(join(REPO_ROOT, 'src/protocols'));

  it('finds the protocol sources', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it('uses no ambient time, randomness, process, file or socket access', () => {
    const hits: string[] = [];
    for (const file of files) {
      const code = codeOnly(readFileSync(file, 'utf8'));
      for (const [name, pattern] of FORBIDDEN) if (pattern.test(code)) hits.push(`${file}: ${name}`);
    }
    expect(hits).toEqual([]);
  });

  it('the scan itself catches a forbidden use', () => {
    const code = codeOnly("const t = Date.now(); // Date in a comment is fine\nimport { x } from 'node:fs';");
    expect(FORBIDDEN.filter(([, pattern]) => pattern.test(code)).map(([name]) => name)).toEqual(['Date', 'fs']);
    expect(FORBIDDEN.some(([, pattern]) => pattern.test(codeOnly('// Math.random and process are named here')))).toBe(
      false,
    );
  });
});
