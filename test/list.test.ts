import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

describe('tob-lab list', () => {
  it("shows every protocol's options with their defaults in their units and what they mean", async () => {
    const result = await runCli(['list', '--no-tables']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {6}heartbeatIntervalMs = 800 ms +how often the leader sends HEARTBEAT/m);
    expect(result.stdout).toMatch(/^ {6}catchupBatchMax = 200 +entries per CATCHUP_RESP at most/m);
    expect(result.stdout).toMatch(/^ {6}retryForwards = false +corrected variant/m);
    expect(result.stdout).toMatch(/^ {6}stability = 'documented' +'documented': deliver the head/m);
  });

  it('prints the promise tables with a column for every fault class, storage included', async () => {
    const result = await runCli(['list', '--no-options']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^ {2}protocol +property +none +delay +loss +dup +crash +restart +part +drift +storage$/m,
    );
    expect(result.stdout).toMatch(/^ {2}raft +durability( +[Px.]){9}$/m);
  });

  it("lists a user's protocol from its module, with its promise table", async () => {
    const result = await runCli(['list', '--protocol', './examples/gossip-chat.ts']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}gossip-chat +yours +deliver on receive/m);
    expect(result.stdout).toMatch(/\(no options\)/);
    expect(result.stdout).toMatch(/gossip-chat +total-order +x +x/);
    expect(result.stdout).not.toMatch(/Scenarios/);
  });

  it('leaves the options out with --no-options', async () => {
    const result = await runCli(['list', '--no-options', '--no-tables']);
    expect(result.stdout).not.toMatch(/heartbeatIntervalMs/);
  });
});
