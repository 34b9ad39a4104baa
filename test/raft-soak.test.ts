import { describe, expect, it } from 'vitest';
import { runSoak, SOAK_DEFAULTS } from '../scripts/soak-raft.ts';

/** The short CI version of `npm run soak:raft`: real processes on 127.0.0.1, kill -9 (mostly the leader), restart. */
describe('raft kill -9 soak (10 cycles)', () => {
  it("delivers nothing twice, every node agrees on the order, and loses only what the host's commit window loses", async () => {
    const lines: string[] = [];
    const result = await runSoak({ ...SOAK_DEFAULTS, cycles: 10, seed: 7, log: (line) => lines.push(line) });
    expect(result.cycles).toBe(10);
    expect(result.leaderKills).toBeGreaterThan(0);
    expect(result.acked).toBeGreaterThan(50);
    expect(result.duplicates).toBe(0);
    expect(result.orderDisagreements).toBe(0);
    // Known host limitation (see scripts/soak-raft.ts): a kill -9 during the fsync of a handler loses the
    // deliveries that were to follow it. Every other loss is a bug.
    expect(result.acknowledgedLost).toBe(result.lostInCommitWindow);
    if (result.acknowledgedLost === 0) expect(result.settled).toBe(true);
    for (const checker of ['total-order', 'exactly-once', 'election-safety']) {
      expect(result.verdicts.find((verdict) => verdict.checker === checker)?.status, checker).toBe('pass');
    }
    expect(result.dataDir).toBeNull();
  }, 180_000);
});
