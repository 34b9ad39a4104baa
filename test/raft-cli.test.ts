import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

describe('tob-lab and raft', () => {
  it('list shows raft as the reference protocol, with its options, defaults and units', async () => {
    const result = await runCli(['list', '--no-tables']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}raft +reference +Reference: Raft/m);
    for (const option of [
      'heartbeatIntervalMs = 50',
      'electionTimeoutMsMin = 150',
      'electionTimeoutMsMax = 300',
      'preVote = true',
      'batchBytesMax = 65536',
    ]) {
      expect(result.stdout).toContain(option);
    }
    const without = await runCli(['list', '--no-tables', '--no-options']);
    expect(without.stdout).not.toContain('electionTimeoutMsMin');
  });

  it('check searches raft and finds nothing to break under crash-restart', async () => {
    const result = await runCli([
      'check',
      '--protocol',
      'raft',
      '--faults',
      'crash-restart',
      '--runs',
      '30',
      '--seed',
      '3',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/no violation in 30 runs/);
  });
});
