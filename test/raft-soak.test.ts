import { describe, expect, it } from 'vitest';
import { runSoak, SOAK_DEFAULTS } from '../scripts/soak-raft.ts';

/** The short CI version of `npm run soak:raft`: real processes on 127.0.0.1, kill -9 (mostly the leader), restart. */
describe('raft kill -9 soak (10 cycles)', () => {
  it('loses no acknowledged message, delivers nothing twice, and every node agrees on the order', async () => {
    const lines: string[] = [];
    // The settle bounds are the defaults (60 s in all, 15 s without progress): generous, so a loaded machine's
    // slow restarts and elections do not pass for a cluster that cannot catch up, and still bounded.
    const result = await runSoak({ ...SOAK_DEFAULTS, cycles: 10, seed: 7, log: (line) => lines.push(line) });
    expect(result.cycles).toBe(10);
    expect(result.leaderKills).toBeGreaterThan(0);
    expect(result.acked).toBeGreaterThan(50);
    expect(result.acknowledgedLost, lines.join('\n')).toBe(0);
    expect(result.duplicates).toBe(0);
    expect(result.orderDisagreements).toBe(0);
    expect(result.settled).toBe(true);
    for (const checker of ['total-order', 'exactly-once', 'election-safety']) {
      expect(result.verdicts.find((verdict) => verdict.checker === checker)?.status, checker).toBe('pass');
    }
    expect(result.dataDir).toBeNull();
  }, 300_000);
});
