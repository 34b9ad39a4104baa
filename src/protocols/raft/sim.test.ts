import { describe, expect, it } from 'vitest';
import { durabilityChecker, runCheckers } from '../../check/index.ts';
import type { History } from '../../core/history.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import {
  at,
  crash,
  heal,
  leadersAt,
  partition,
  restart,
  runScenario,
  scenario,
  submit,
} from '../../scenarios/index.ts';
import { searchViolation } from '../../search/index.ts';
import { REPO_ROOT, runBin } from '../../../test/support/cli.ts';
import { loadScenario } from '../../scenarios/index.ts';
import { raft } from './index.ts';

const protocol = raft as unknown as ProtocolDefinition;
const network = { latency: { kind: 'uniform' as const, minMs: 5, maxMs: 25 }, fifo: true };

function announcements(history: History) {
  return history.events.filter((event) => event.type === 'announce');
}

function safetyAndLiveness(history: History): Record<string, string> {
  const wanted = ['total-order', 'exactly-once', 'fifo-order', 'election-safety', 'eventual-delivery', 'durability'];
  return Object.fromEntries(
    runCheckers(history)
      .filter((verdict) => wanted.includes(verdict.checker))
      .map((verdict) => [verdict.checker, verdict.status]),
  );
}

const ALL_PASS = {
  'total-order': 'pass',
  'exactly-once': 'pass',
  'fifo-order': 'pass',
  'election-safety': 'pass',
  'eventual-delivery': 'pass',
  durability: 'pass',
};

describe('raft in the simulator', () => {
  /** Runs the rejoin timeline with a follower (of the first leader) cut off from 2 s to 6 s. */
  function rejoin(preVote: boolean) {
    const build = (isolated: number | null) =>
      scenario({
        name: 'raft-rejoin',
        cluster: { protocol, nodes: 3, options: { preVote } },
        network,
        timeline: [
          at(1_000, submit(1, 'a')),
          ...(isolated === null
            ? []
            : [
                at(
                  2_000,
                  partition(
                    [isolated],
                    [1, 2, 3].filter((node) => node !== isolated),
                  ),
                ),
                at(6_000, heal()),
              ]),
          at(8_000, submit(2, 'b')),
        ],
      });
    const leader = leadersAt(runScenario(build(null), { seed: 3 }).history, 1_900);
    expect(leader.length).toBe(1);
    const isolated = [1, 2, 3].find((node) => node !== leader[0]) as number;
    const run = runScenario(build(isolated), { seed: 3 });
    const terms = announcements(run.history).map((event) => (event.type === 'announce' ? (event.term ?? 0) : 0));
    return { run, maxTerm: Math.max(...terms) };
  }

  it('a follower cut off and healed does not depose the leader: pre-vote keeps every term at 1', () => {
    const { run, maxTerm } = rejoin(true);
    expect(maxTerm).toBe(1);
    expect(safetyAndLiveness(run.history)).toEqual(ALL_PASS);
  });

  it('without pre-vote, the same follower forces new terms when it comes back (what pre-vote prevents)', () => {
    const { run, maxTerm } = rejoin(false);
    expect(maxTerm).toBeGreaterThan(2);
    expect(safetyAndLiveness(run.history)).toEqual(ALL_PASS);
  });

  it('5 nodes: the leader is killed twice under load; nothing acked is lost, one order, catch-up in small batches', () => {
    const steps = Array.from({ length: 60 }, (_, index) => at(500 + index * 100, submit((index % 5) + 1, `m${index}`)));
    const run = runScenario(
      scenario({
        name: 'raft-five',
        cluster: { protocol, nodes: 5, options: { batchEntriesMax: 4 } },
        network,
        timeline: [
          ...steps,
          at(2_000, crash(1), crash(2)),
          at(3_000, crash(3)),
          at(4_500, restart(1)),
          at(5_000, restart(2)),
          at(7_000, restart(3)),
        ],
      }),
      { seed: 11 },
    );
    expect(run.protocolError).toBeNull();
    expect(safetyAndLiveness(run.history)).toEqual(ALL_PASS);
    // Submissions at a node that is down are refused by the host; everything else reaches every node.
    const submitted = run.history.events.filter((event) => event.type === 'submit').length;
    expect(submitted).toBeGreaterThan(40);
    for (const node of [1, 2, 3, 4, 5]) {
      expect(run.history.events.filter((event) => event.type === 'deliver' && event.node === node).length).toBe(
        submitted,
      );
    }
  });

  it('the durability checker judges raft runs: holds under crash-restart, and fails when an acked delivery is cut out', () => {
    const search = searchViolation({
      protocol: 'raft',
      nodes: 3,
      faults: ['crash-restart'],
      properties: ['durability'],
      runs: 100,
      seed: 5,
    });
    expect(search.violation).toBeNull();
    const run = runScenario(
      scenario({
        name: 'raft-durable',
        cluster: { protocol, nodes: 3 },
        network,
        timeline: [at(1_000, submit(1, 'kept')), at(1_200, crash(1), crash(2)), at(3_000, restart(1), restart(2))],
      }),
      { seed: 2 },
    );
    expect(durabilityChecker.check(run.history).status).toBe('pass');
    const acked = run.history.events.find((event) => event.type === 'ack');
    expect(acked).toBeDefined();
    // The same history with one node's delivery of the acked id removed: the checker must see the loss.
    const tampered: History = {
      ...run.history,
      events: run.history.events.filter(
        (event) => !(event.type === 'deliver' && event.node === 3 && acked?.type === 'ack' && event.id === acked.id),
      ),
    };
    expect(durabilityChecker.check(tampered).status).toBe('fail');
  });

  it('is deterministic: the same seed gives the same history, in this process and in another one', async () => {
    const { scenario: leaderFailure } = await loadScenario('scenarios/leader-failure.ts', REPO_ROOT);
    const hashes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5]) {
      const first = runScenario(leaderFailure, { seed, protocol: 'raft' });
      expect(runScenario(leaderFailure, { seed, protocol: 'raft' }).hash).toBe(first.hash);
      hashes.add(first.hash);
    }
    expect(hashes.size).toBe(5);
    const child = runBin(['run', 'scenarios/leader-failure.ts', '--seed', '42', '--protocol', 'raft', '--json']);
    expect(child.code).toBe(0);
    expect(JSON.parse(child.stdout).hash).toBe(runScenario(leaderFailure, { seed: 42, protocol: 'raft' }).hash);
  });
});
