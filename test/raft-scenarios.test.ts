import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import { compareProtocols, formatComparison } from '../scripts/compare-protocols.ts';
import { REPO_ROOT } from './support/cli.ts';

/** The seed 004 demos, written for the sequencer, run on raft with their raft expectations (expect.protocols.raft). */
const SEED_004_DEMOS = [
  'normal-operation',
  'leader-failure',
  'partition-healing',
  'partition-real',
  'concurrent-messages',
];

describe('the seed 004 demos on raft', () => {
  for (const name of SEED_004_DEMOS) {
    it(`${name} holds its expectations on raft (seed 42 and seeds 1..10)`, async () => {
      const { scenario } = await loadScenario(`scenarios/${name}.ts`, REPO_ROOT);
      const broken: string[] = [];
      for (const seed of [42, ...Array.from({ length: 10 }, (_, index) => index + 1)]) {
        const result = runScenario(scenario, { seed, protocol: 'raft' });
        expect(result.protocol).toBe('raft');
        expect(result.expectations.length).toBeGreaterThan(0);
        for (const outcome of result.expectations)
          if (!outcome.holds) broken.push(`seed ${seed}: ${outcome.expectation} (${outcome.detail})`);
      }
      expect(broken).toEqual([]);
    });
  }

  it('partition-real: the minority commits nothing new while cut off, the majority goes on, one order after the heal', async () => {
    const { scenario } = await loadScenario('scenarios/partition-real.ts', REPO_ROOT);
    const result = runScenario(scenario, { seed: 42, protocol: 'raft' });
    const events = result.history.events;
    const submitAlone = events.find((event) => event.type === 'submit' && event.payload === 'node 1 alone');
    const majority = events.find((event) => event.type === 'submit' && event.payload === 'majority side');
    const healAt = 12_000;
    const deliveredBefore = (node: number, id: string | undefined) =>
      events.some((event) => event.type === 'deliver' && event.node === node && event.id === id && event.t < healAt);
    expect(deliveredBefore(1, submitAlone?.type === 'submit' ? submitAlone.id : undefined)).toBe(false);
    expect(deliveredBefore(2, submitAlone?.type === 'submit' ? submitAlone.id : undefined)).toBe(false);
    expect(deliveredBefore(2, majority?.type === 'submit' ? majority.id : undefined)).toBe(true);
    expect(deliveredBefore(1, majority?.type === 'submit' ? majority.id : undefined)).toBe(false);
    const orders = [1, 2, 3].map((node) =>
      events
        .filter((event) => event.type === 'deliver' && event.node === node)
        .map((event) => (event.type === 'deliver' ? event.id : ''))
        .join(' '),
    );
    expect(new Set(orders).size).toBe(1);
    expect(orders[0]?.split(' ').length).toBe(5);
  });

  it('sequencer and raft side by side on partition-real: one table of which checker each passes', async () => {
    const { scenario } = await loadScenario('scenarios/partition-real.ts', REPO_ROOT);
    const rows = compareProtocols(scenario, ['sequencer', 'raft'], 1);
    const status = (checker: string, protocol: string) =>
      rows.find((row) => row.checker === checker)?.results.find((result) => result.protocol === protocol)?.status;
    expect(status('total-order', 'sequencer')).toBe('fail');
    for (const checker of [
      'total-order',
      'exactly-once',
      'fifo-order',
      'election-safety',
      'eventual-delivery',
      'durability',
    ]) {
      expect(status(checker, 'raft'), checker).toBe('pass');
    }
    const table = formatComparison(scenario.name, 1, rows);
    expect(table).toContain('| checker | sequencer | raft |');
    expect(table).toContain('| total-order | ✗ FAIL | ✓ pass |');
  });
});

describe('raft under storage faults', () => {
  it('a follower that lost an entry it acknowledged (a damaged last record, cut at its restart) is caught up', async () => {
    const { scenario } = await loadScenario('test/fixtures/raft-storage-lost-acknowledged.ts', REPO_ROOT);
    const result = runScenario(scenario, { seed: 11 });
    const events = result.history.events;
    // The case still happens: node 3 had s1 in its log before the crash, and its restart cut the damaged record.
    const crashAt = events.find((event) => event.type === 'crash' && event.node === 3)?.i ?? -1;
    const cutAt = events.findIndex(
      (event) => event.type === 'storage' && event.node === 3 && event.what === 'cut-tail',
    );
    expect(crashAt).toBeGreaterThan(0);
    expect(cutAt).toBeGreaterThan(crashAt);
    const acknowledgedBefore = events.some(
      (event) =>
        event.type === 'send' &&
        event.node === 3 &&
        event.i < crashAt &&
        (event.body as { type?: string; success?: boolean }).type === 'APPEND_RESP' &&
        (event.body as { success?: boolean }).success === true,
    );
    expect(acknowledgedBefore).toBe(true);
    // And it is delivered there after the restart: the leader sent it again.
    expect(
      events.some((event) => event.type === 'deliver' && event.node === 3 && event.id === 's1' && event.i > cutAt),
    ).toBe(true);
    for (const checker of ['eventual-delivery', 'durability'])
      expect(result.verdicts.find((verdict) => verdict.checker === checker)?.status, checker).toBe('pass');
    expect(result.exitCode).toBe(0);
  });
});
