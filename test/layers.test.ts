import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

/**
 * The layers of ARCHITECTURE.md (at the repository root), in order: a layer may import the ones before it, never the
 * ones after. The core never imports ink or react; only src/cli does, and only on a terminal.
 */
const LAYERS = [
  'core',
  'protocols',
  'sim',
  'live',
  'check',
  'scenarios',
  'search',
  'explore',
  'cluster',
  'report',
  'cli',
] as const;
/** What each layer may import besides its own files (check knows nothing of the simulator or live mode). */
const ALLOWED: Record<(typeof LAYERS)[number], readonly string[]> = {
  core: [],
  protocols: ['core'],
  sim: ['core'],
  live: ['core', 'protocols'],
  check: ['core'],
  scenarios: ['core', 'protocols', 'sim', 'check'],
  search: ['core', 'protocols', 'sim', 'check', 'scenarios'],
  explore: ['core', 'protocols', 'sim', 'check', 'scenarios', 'search'],
  cluster: ['core', 'protocols', 'sim', 'live', 'check', 'scenarios'],
  report: ['core', 'protocols', 'sim', 'live', 'check', 'scenarios', 'search', 'explore', 'cluster'],
  cli: ['core', 'protocols', 'sim', 'live', 'check', 'scenarios', 'search', 'explore', 'cluster', 'report'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((match) => match[1]);
}

describe('imports flow one way through the layers', () => {
  const src = join(REPO_ROOT, 'src');

  for (const layer of LAYERS) {
    it(`src/${layer} imports only ${ALLOWED[layer].join(', ') || 'itself'}`, () => {
      const wrong: string[] = [];
      for (const file of sources(join(src, layer))) {
        for (const specifier of importsOf(file)) {
          if (specifier.startsWith('.')) {
            const target = relative(src, join(file, '..', specifier)).split('/')[0];
            if (target !== layer && !ALLOWED[layer].includes(target))
              wrong.push(`${relative(src, file)} -> ${specifier}`);
          } else if (layer !== 'cli' && /^(ink|react)(\/|$)/.test(specifier)) {
            wrong.push(`${relative(src, file)} -> ${specifier}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('the scan sees imports', () => {
    expect(importsOf(join(src, 'scenarios', 'runner.ts'))).toContain('../check/index.ts');
  });
});

describe('no import cycles', () => {
  it('no module of src reaches itself through its imports (type-only imports included)', () => {
    const src = join(REPO_ROOT, 'src');
    const graph = new Map<string, string[]>();
    for (const layer of LAYERS) {
      for (const file of sources(join(src, layer))) {
        const targets = importsOf(file)
          .filter((specifier) => specifier.startsWith('.'))
          .map((specifier) => relative(src, join(file, '..', specifier)));
        graph.set(relative(src, file), targets);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of [...graph.keys()].sort()) visit(file, []);
    expect(cycles).toEqual([]);
  });
});

describe('ARCHITECTURE.md', () => {
  it('lists the layers this test enforces, in the same order', () => {
    const text = readFileSync(join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');
    const listed = [...text.matchAll(/^\| `src\/([a-z]+)`/gm)].map((match) => match[1]);
    expect(listed).toEqual([...LAYERS]);
  });
});
