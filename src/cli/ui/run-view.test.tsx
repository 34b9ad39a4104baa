import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { loadScenario, scenarioRun, type RunResult, type RunSnapshot } from '../../scenarios/index.ts';
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
      <RunView title="leader-failure" snapshot={snapshots.at(-1) ?? null} verdicts={result.verdicts} expectations={result.expectations} footer={['replay: x']} />,
    );
    const frame = lastFrame() ?? '';
    expect(frame).toMatch(/pass {2}total-order/);
    expect(frame).toMatch(/ok +node 2 leads at 11000 ms/);
    expect(frame).toContain('replay: x');
  });
});
