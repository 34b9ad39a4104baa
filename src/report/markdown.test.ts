import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../scenarios/index.ts';
import { markdownCell, markdownTable, renderMarkdown } from './markdown.ts';

describe('markdownTable', () => {
  it('escapes pipes and flattens line breaks so a cell cannot break its table', () => {
    expect(markdownCell('a | b\nc')).toBe('a \\| b c');
    expect(markdownTable(['x', 'y'], [['1', 'p|q']])).toBe('| x | y |\n|---|---|\n| 1 | p\\|q |');
  });
});

describe('renderMarkdown', () => {
  it('lists a failing checker with its evidence, the expectations and the metrics', async () => {
    const { scenario } = await loadScenario('lamport-chat', process.cwd());
    const result = runScenario(scenario, { seed: 42 });
    const failed = result.verdicts.find((verdict) => verdict.checker === 'total-order');
    expect(failed?.status).toBe('fail');
    const markdown = renderMarkdown(result, { scenarioArg: 'scenarios/lamport-chat.ts' });
    expect(markdown).toContain('| total-order | safety | **FAIL** |');
    expect(markdown).toContain('Evidence for total-order:');
    for (const event of failed!.evidence) expect(markdown).toContain(`- #${event.i} at `);
    expect(markdown).toContain('| total-order fails | safety | yes |');
    expect(markdown).toContain('npx tob-lab run scenarios/lamport-chat.ts --seed 42');
    for (const title of ['Delivery latency', 'Messages', 'Downtime', 'Drops and duplicates'])
      expect(markdown).toContain(`### ${title}`);
    // Lamport peers announce no leader: no election table, rather than an empty one.
    expect(markdown).not.toContain('### Elections');
  });
});
