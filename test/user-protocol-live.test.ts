import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'tob-lab-user-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a protocol of the user's on a live cluster", () => {
  it('runs on node processes that load the module by path, and the rerun command names it', async () => {
    const data = join(dir, 'data');
    const result = await runCli(['cluster', '--protocol', './examples/gossip-chat.ts', '--data', data, '--seed', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/protocol gossip-chat, 3 node processes/);
    expect(result.stdout).toMatch(
      /^rerun: {3}npx tob-lab cluster --nodes 3 --protocol \.\/examples\/gossip-chat\.ts --seed 3 /m,
    );
  });

  it('checks cluster --options against the protocol before starting anything', async () => {
    const result = await runCli(['cluster', '--options', '{"heartbeatMs":1}', '--data', join(dir, 'unused')]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/--options: "heartbeatMs" is not an option of sequencer/);
  });

  it('says which module could not be found', async () => {
    const result = await runCli([
      'live',
      '--id',
      '1',
      '--peers',
      '1=7001,2=7002',
      '--protocol',
      './nowhere.ts',
      '--headless',
    ]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/no protocol module "\.\/nowhere\.ts"/);
  });
});
