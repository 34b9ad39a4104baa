import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { settingsFrom } from '../src/cli/commands/live-action.ts';
import { writeBootState } from '../src/live/storage.ts';
import { ChildNode, FAST_SEQUENCER_OPTIONS, freePorts, temporaryDirectory, waitFor } from './support/live.ts';
import { runCli } from './support/cli.ts';

const PEERS = '1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003';

async function usage(args: string[], cwd?: string): Promise<string> {
  const result = await runCli(['live', ...args], cwd);
  expect(result.code, result.stderr).toBe(64);
  expect(result.stderr).not.toMatch(/\n\s+at /); // a message, never a stack trace
  return result.stderr;
}

describe('tob-lab live: bad input is a clear message and exit 64', () => {
  it('names the missing or malformed flag and what to write', async () => {
    expect(await usage(['--peers', PEERS])).toMatch(/--id is required/);
    expect(await usage(['--id', '1'])).toMatch(/--peers \(or --config\) is required/);
    expect(await usage(['--id', '1', '--peers', '1=nowhere'])).toMatch(/"nowhere" is not an address; write HOST:PORT/);
    expect(await usage(['--id', '1', '--peers', '1:7001'])).toMatch(/has no "="/);
    expect(await usage(['--id', '4', '--peers', PEERS])).toMatch(/--id 4 is not in the cluster \(nodes 1, 2, 3\)/);
    expect(await usage(['--id', 'two', '--peers', PEERS])).toMatch(/node ids are whole numbers/);
    expect(await usage(['--id', '1', '--peers', '1=7001'])).toMatch(/at least two nodes/);
    expect(await usage(['--id', '1', '--peers', '1=7001,2=127.0.0.1:7001'])).toMatch(
      /nodes 1 and 2 both have the address 127.0.0.1:7001/,
    );
    expect(await usage(['--id', '1', '--peers', '1=7001,2=70000'])).toMatch(/port 70000 is above 65535/);
  });

  it('checks the protocol, its options, the secret, the frame bound and the seed', async () => {
    const base = ['--id', '1', '--peers', PEERS];
    expect(await usage([...base, '--protocol', 'paxos'])).toMatch(
      /unknown protocol "paxos"; choose one of: isis, sequencer/,
    );
    expect(await usage([...base, '--options', '{oops'])).toMatch(/--options is not valid JSON/);
    expect(await usage([...base, '--options', '[1]'])).toMatch(/must be a JSON object of sequencer options/);
    expect(await usage([...base, '--options', '{"fanout":3}'])).toMatch(
      /"fanout" is not an option of sequencer \(its options: heartbeatIntervalMs/,
    );
    expect(await usage([...base, '--options', '{"heartbeatIntervalMs":"fast"}'])).toMatch(
      /heartbeatIntervalMs must be a number, got "fast"/,
    );
    expect(await usage([...base, '--secret', 'short'])).toMatch(/--secret: a secret needs at least 8 bytes/);
    expect(await usage([...base, '--max-frame-bytes', '10'])).toMatch(
      /--max-frame-bytes must be a whole number from 65536/,
    );
    expect(await usage([...base, '--seed', 'x'])).toMatch(/--seed must be a whole number/);
  });

  it('checks a cluster file and refuses it together with --peers', async () => {
    const dir = temporaryDirectory();
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return name;
    };
    expect(await usage(['--id', '1', '--config', 'none.json'], dir)).toMatch(/cannot read --config none.json: ENOENT/);
    expect(await usage(['--id', '1', '--config', file('bad.json', '{')], dir)).toMatch(
      /--config bad.json is not valid JSON/,
    );
    expect(await usage(['--id', '1', '--config', file('key.json', '{"peers":{"1":"7001"},"nodes":3}')], dir)).toMatch(
      /unknown key "nodes"/,
    );
    expect(await usage(['--id', '1', '--config', file('peers.json', '{"peers":[]}')], dir)).toMatch(
      /"peers" must map every node id/,
    );
    expect(await usage(['--id', '1', '--config', 'peers.json', '--peers', PEERS], dir)).toMatch(
      /either --config or --peers/,
    );
  });

  it('says so when the address is taken or the data belongs to another protocol', async () => {
    const [port, other] = await freePorts(2);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port }, () => resolve()));
    try {
      const peers = `1=127.0.0.1:${port},2=127.0.0.1:${other}`;
      const dataDir = temporaryDirectory();
      expect(await usage(['--id', '1', '--peers', peers, '--data', dataDir])).toMatch(
        new RegExp(`cannot listen on 127.0.0.1:${port}: the address is in use`),
      );
      mkdirSync(dataDir, { recursive: true });
      writeBootState(join(dataDir, 'node-2.boot'), { boot: 3, protocol: 'isis', running: false, logLines: 0 });
      expect(await usage(['--id', '2', '--peers', peers, '--data', dataDir])).toMatch(
        /holds node 2's log of protocol isis, not sequencer/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('merges a cluster file, flags and TOB_LAB_SECRET, flags winning', () => {
    const dir = temporaryDirectory();
    const cluster = {
      protocol: 'isis',
      peers: { '1': '7001', '2': '127.0.0.1:7002' },
      options: { proposalTimeoutMs: 100 },
      secret: 'from the file!',
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster));
    const fromFile = settingsFrom({ id: '2', config: 'cluster.json' }, dir, {});
    expect(fromFile).toMatchObject({
      id: 2,
      secret: 'from the file!',
      options: { proposalTimeoutMs: 100 },
      dataDir: join(dir, 'tob-lab-data'),
    });
    expect(fromFile.protocol.name).toBe('isis');
    expect(fromFile.addresses.get(1)).toEqual({ host: '127.0.0.1', port: 7001 });
    const fromEnv = settingsFrom({ id: '1', peers: '1=7001,2=7002' }, dir, { TOB_LAB_SECRET: 'from the environment' });
    expect(fromEnv.secret).toBe('from the environment');
    expect(
      settingsFrom({ id: '1', peers: '1=7001,2=7002', secret: 'from the flag!' }, dir, {
        TOB_LAB_SECRET: 'x'.repeat(9),
      }).secret,
    ).toBe('from the flag!');
  });
});

describe('tob-lab live --headless, as a process', () => {
  const children: ChildNode[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.running) await child.kill9();
  });

  it('runs from a cluster file, answers /status and /peers, and exits 0 on SIGTERM and on end of input', async () => {
    const dir = temporaryDirectory();
    const ports = await freePorts(2);
    const cluster = {
      protocol: 'sequencer',
      peers: { '1': `127.0.0.1:${ports[0]}`, '2': `127.0.0.1:${ports[1]}` },
      options: FAST_SEQUENCER_OPTIONS,
      secret: 'cluster file secret',
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(cluster));
    const nodes = [1, 2].map((id) => new ChildNode(['--id', String(id), '--config', 'cluster.json'], dir));
    children.push(...nodes);
    await waitFor(() => nodes.every((node) => node.linesOf('announce').at(-1)?.leader === 2), 20_000, 'node 2 to lead');
    expect(nodes[0].linesOf('ready')[0]).toEqual({ type: 'ready', id: 1, listen: `127.0.0.1:${ports[0]}`, boot: 1 });
    nodes[0].submit('');
    nodes[0].submit('hello over a signed link');
    nodes[0].submit('/status');
    nodes[0].submit('/peers');
    await waitFor(
      () => nodes.every((node) => node.delivered().length === 1) && nodes[0].linesOf('peers').length === 1,
      20_000,
      'the delivery',
    );
    expect(nodes[0].linesOf('submitted')).toEqual([{ type: 'submitted', id: '1-1-1' }]);
    expect(nodes[1].linesOf('deliver')[0]).toMatchObject({
      type: 'deliver',
      id: '1-1-1',
      origin: 1,
      payload: 'hello over a signed link',
      order: { seq: 1, term: 1 },
    });
    expect(nodes[0].linesOf('status')[0]).toMatchObject({
      type: 'status',
      id: 1,
      role: 'follower',
      leader: 2,
      term: 1,
    });
    expect(nodes[0].linesOf('peers')[0]).toMatchObject({ peers: [{ node: 2, outbound: 'connected', inbound: true }] });
    expect(await nodes[0].terminate()).toBe(0);
    expect(await nodes[1].end()).toBe(0);
    expect(nodes[1].stderr).not.toMatch(/dropped connection/);
  });
});
