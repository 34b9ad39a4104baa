import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../src/core/history.ts';
import {
  heal,
  leaderElected,
  newLeader,
  partition,
  runScenario,
  scenario,
  when,
  within,
  type Step,
} from '../src/scenarios/index.ts';
import { caseArbitrary, CHURN_LEADER_WAIT_MS } from '../src/search/index.ts';
import { runCli } from './support/cli.ts';

const sample = (faults: Parameters<typeof caseArbitrary>[0]['faults'], seed = 7) =>
  fc.sample(caseArbitrary({ protocol: 'raft', nodes: 3, faults, churn: true }), { numRuns: 100, seed });

describe('leader-churn cases', () => {
  it('are chains of waits for a new leader, each followed by blows at whoever leads then', () => {
    for (const generated of sample(['crash-restart', 'partition'])) {
      const steps = generated.scenario.steps;
      // Every step is relative, so the chain runs in its written order; the first waits for the first leader.
      expect(steps.every((step) => step.atMs === undefined)).toBe(true);
      expect(steps[0]).toEqual({ when: { leader: 'any', new: true }, timeoutMs: CHURN_LEADER_WAIT_MS, action: heal() });
      const blows = steps.filter((step) => step.when !== undefined && !('new' in step.when));
      expect(blows.length).toBeGreaterThan(0);
      for (const blow of blows) {
        // A blow lands only on a node that leads at that very moment.
        expect(blow.timeoutMs).toBe(0);
        const node = (blow.when as { leader: number }).leader;
        const action = blow.action;
        if (action.do === 'partition') expect(action.groups[0]).toEqual([node]);
        else expect(action).toMatchObject({ node });
      }
    }
  });

  it('strike only with the fault classes given', () => {
    const kinds = (faults: Parameters<typeof sample>[0]) =>
      new Set(sample(faults).flatMap((generated) => generated.scenario.steps.map((step) => step.action.do)));
    expect(kinds(['partition'])).toEqual(new Set(['heal', 'partition', 'submit']));
    // Crash-stop: a struck leader stays down (the liveness phase restarts it, as for every crash).
    expect(kinds(['crash'])).toEqual(new Set(['heal', 'crash', 'submit']));
    expect(kinds(['storage'])).toEqual(new Set(['heal', 'tear', 'restart', 'submit']));
    expect(kinds(['delay'])).toEqual(new Set(['heal', 'pause', 'resume', 'submit']));
    expect(() => sample(['loss'])).toThrow(/leader churn needs one of the fault classes/);
  });
});

/** The last leader announcement at or before `index` of the history. */
function leaderBefore(events: readonly HistoryEvent[], index: number): { node: number; term: number } | null {
  for (let at = index; at >= 0; at -= 1) {
    const event = events[at];
    if (event.type === 'announce' && event.role === 'leader') return { node: event.node, term: event.term ?? 0 };
  }
  return null;
}

describe('the newLeader condition', () => {
  /** The first leader cut off from the others at once; then a heal when the condition holds. */
  const isolateFirstLeader = (wait: Step[]) => {
    const isolate = [1, 2, 3].map((node): Step => ({
      when: { leader: node },
      timeoutMs: 0,
      action: partition(
        [node],
        [1, 2, 3].filter((other) => other !== node),
      ),
    }));
    const steps = [...within(2_000, when(leaderElected(), heal())), ...isolate, ...wait];
    const run = runScenario(
      scenario({ name: 'new-leader', cluster: { protocol: 'raft', nodes: 3 }, timeline: steps, settleMs: 500 }),
      { seed: 3 },
    );
    const events = run.history.events;
    const cutAt = events.findIndex((event) => event.type === 'partition');
    // Heals: the first step's, the awaited one, then the liveness phase's.
    const healAt = events.flatMap((event, index) => (event.type === 'heal' ? [index] : []))[1]!;
    return { first: leaderBefore(events, cutAt)!, atHeal: leaderBefore(events, healAt)!, cutAt, healAt, events };
  };

  it('waits past a leader that is cut off and still believes it leads, for the one elected next', () => {
    const { first, atHeal, events, cutAt, healAt } = isolateFirstLeader(within(3_000, when(newLeader(), heal())));
    expect(atHeal.node).not.toBe(first.node);
    expect(atHeal.term).toBeGreaterThan(first.term);
    expect(events[healAt].t).toBeGreaterThan(events[cutAt].t);
  });

  it('where leaderElected holds at once, since the cut-off leader still says it leads', () => {
    const { first, atHeal, events, cutAt, healAt } = isolateFirstLeader(within(3_000, when(leaderElected(), heal())));
    expect(atHeal).toEqual(first);
    expect(events[healAt].t).toBe(events[cutAt].t);
  });

  it('is checked like every condition: new goes with leader, and only as true', () => {
    const run = (condition: object) =>
      runScenario(
        scenario({
          name: 'bad-condition',
          cluster: { protocol: 'raft', nodes: 3 },
          timeline: [{ when: condition as Step['when'], action: heal() }],
        }),
        { seed: 1 },
      );
    expect(() => run({ delivered: { node: 1, count: 1 }, new: true })).toThrow(/new goes with leader only/);
    expect(() => run({ leader: 'any', new: false })).toThrow(/new must be true when given/);
  });
});

describe('tob-lab check --churn', () => {
  const out = mkdtempSync(join(tmpdir(), 'tob-lab-churn-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('finds a violation in a churn world and saves it as a scenario that replays to the same history', async () => {
    // fifo-order under crash-restart is a known ✗ of raft (a submission lost before its sync, the next goes on).
    const check = await runCli([
      'check',
      ...['--protocol', 'raft', '--churn', '--faults', 'crash-restart,partition'],
      ...['--properties', 'fifo-order', '--runs', '300', '--seed', '3', '--out', out],
    ]);
    expect(check.stdout).toMatch(/leader churn/);
    expect(check.stdout).toMatch(/VIOLATION of fifo-order \(safety\)/);
    const hash = check.stdout.match(/history: sha256 ([0-9a-f]{64})/)?.[1];
    const replay = check.stdout.match(/replay: {2}npx tob-lab run (\S+) --seed (\d+)/);
    expect(replay).not.toBeNull();
    // The saved file waits for leaders as the case did, and names the search that found it.
    const source = readFileSync(replay![1], 'utf8');
    expect(source).toMatch(/Found by: .* --churn/);
    expect(source).toMatch(/within\(2000, when\(newLeader\('any'\), heal\(\)\)\)/);
    const rerun = await runCli(['run', replay![1], '--seed', replay![2], '--json']);
    expect(JSON.parse(rerun.stdout).hash).toBe(hash);
  });

  it('rejects fault classes it cannot strike a leader with', async () => {
    const result = await runCli(['check', '--protocol', 'raft', '--churn', '--faults', 'loss', '--runs', '1']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/churn strikes leaders with crash, crash-restart, partition, storage, delay/);
    // Refused before the search starts: no header line, nothing on stdout.
    expect(result.stdout).toBe('');
  });
});
