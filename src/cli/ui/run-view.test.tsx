import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioRun, type RunResult, type RunSnapshot } from '../../scenarios/index.ts';
import { finalFooter } from '../commands/run-action.ts';
import { RunView } from './run-view.tsx';

const { scenario } = await loadScenario('scenarios/leader-failure.ts', process.cwd());

function snapshotsOf(chunkMs: number): { snapshots: RunSnapshot[]; result: RunResult } {
  const run = scenarioRun(scenario, { seed: 42 }, chunkMs);
  const snapshots: RunSnapshot[] = [];
  let step = run.next();
  for (; step.done !== true; step = run.next()) snapshots.push(step.value);
  return { snapshots, result: step.value };
}

describe('the ink run view', () => {
  const { snapshots, result } = snapshotsOf(250);
  const at = (ms: number) => snapshots.find((snapshot) => snapshot.nowMs >= ms) as RunSnapshot;

  it('shows a lane per node with its role, term and delivered count, and the virtual time', () => {
    const { lastFrame } = render(<RunView title="leader-failure" snapshot={at(5_000)} />);
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/t = 5\.000 s \(safety phase\)/);
    expect(frame).toMatch(/node 3 +LEADER +term 1 +delivered 4/);
    expect(frame).toMatch(/node 1 +follower +term 1 +leader 3 +delivered 4/);
    expect(frame).toMatch(/node 2 +follower/);
  });

  it('shows a crashed node as down and the faults as they happen', () => {
    const { lastFrame } = render(<RunView title="leader-failure" snapshot={at(10_000)} />);
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/node 3 +DOWN/);
    expect(frame).toMatch(/6\.000 s +node 3 CRASH/);
    expect(frame).toMatch(/node 2 LEADER term 2/);
  });

  it('shows the verdicts and expectations at the end', () => {
    const { lastFrame } = render(
      <RunView
        title="leader-failure"
        snapshot={snapshots.at(-1) ?? null}
        verdicts={result.verdicts}
        expectations={result.expectations}
        footer={['replay: x']}
      />,
    );
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/checkers: pass total-order, exactly-once/);
    expect(frame).toMatch(/expectations: (\d) of \1 hold/);
    expect(frame).toContain('replay: x');
  });

  it('fits its final frame in 80 x 24 and ends with the verdict, seed, protocol and the whole replay command', () => {
    const footer = finalFooter(result, { scenarioArg: 'scenarios/leader-failure.ts', protocolArg: 'sequencer' });
    const { lastFrame } = render(
      <RunView
        title="tob-lab run leader-failure"
        snapshot={snapshots.at(-1) ?? null}
        verdicts={result.verdicts}
        expectations={result.expectations}
        footer={footer}
      />,
    );
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    // The replay command is longer than 80 columns: ink wraps it, whole, over the last two rows.
    expect(lines.at(-4)).toBe('OK: every expectation holds (exit 0).');
    expect(lines.at(-3)).toMatch(/^seed 42 · protocol sequencer · 3 nodes · \d+ events · sha256 [0-9a-f]{12}…$/);
    expect(lines.slice(-2).join(' ')).toBe(
      'replay: npx tob-lab run scenarios/leader-failure.ts --seed 42 --protocol sequencer',
    );
  });

  it('names each broken checker in the final frame and still fits 80 x 24 with many nodes', () => {
    const { lastFrame } = render(
      <RunView
        title="tob-lab run many"
        snapshot={{
          ...(snapshots.at(-1) as RunSnapshot),
          nodes: Array.from({ length: 9 }, (_, index) => ({
            ...(snapshots.at(-1) as RunSnapshot).nodes[0],
            id: index + 1,
          })),
        }}
        verdicts={result.verdicts.map((verdict) =>
          verdict.checker === 'total-order' ? { ...verdict, status: 'fail', summary: 'x'.repeat(200) } : verdict,
        )}
        expectations={result.expectations}
        footer={['SAFETY VIOLATION', 'seed 1', 'replay: npx tob-lab run x --seed 1']}
      />,
    );
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(23);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines.some((line) => /FAIL total-order: x+…$/.test(line))).toBe(true);
    expect(lines.at(-1)).toBe('replay: npx tob-lab run x --seed 1');
  });
});
