import { closeSync, openSync, rmSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NodeId } from '../src/core/ids.ts';
import type { Json, JsonObject } from '../src/core/json.ts';
import { LiveNode, nodeFiles, type LiveNodeConfig } from '../src/live/host.ts';
import { readLog, StorageError } from '../src/live/storage.ts';
import {
  ChildNode,
  FAST_SEQUENCER_OPTIONS,
  freePorts,
  peersFlag,
  startInProcessCluster,
  temporaryDirectory,
  waitFor,
  watch,
  type InProcessCluster,
} from './support/live.ts';
import { sequencer } from '../src/protocols/sequencer/index.ts';
import { secretFrom } from '../src/cli/commands/cluster-action.ts';
import { dialLines, dialSigned, idleHello, plainFrames, signedFrames } from './support/wire.ts';

/**
 * The findings of issue 13 (A-N), each replayed at a small count against live nodes, showing the fixed behaviour.
 * M (overload) and group commit have their own test (live-overload.test.ts).
 */

const WAIT_MS = 20_000;
/** Every directory these tests make, removed when the file is done. */
const made: string[] = [];
function tempDir(): string {
  const dir = temporaryDirectory();
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const OPTIONS: JsonObject = { ...FAST_SEQUENCER_OPTIONS, dedupSubmissions: true };

/** The sequenced entries in a node's log, as ids in seq order. */
function loggedIds(dataDir: string, id: NodeId): string[] {
  return readLog(nodeFiles(dataDir, id).log)
    .map((line) => line.value as Record<string, unknown>)
    .filter((record) => record.kind === 'entry')
    .map((record) => String(record.id));
}

function termRecords(dataDir: string, id: NodeId): Json[] {
  return readLog(nodeFiles(dataDir, id).log)
    .map((line) => line.value as Record<string, unknown>)
    .filter((record) => record.kind === 'term')
    .map((record) => record.term as Json);
}

function leaderOf(cluster: InProcessCluster): NodeId | null {
  const beliefs = new Set(cluster.nodes.map((watched) => watched.node.status()?.leader ?? null));
  return beliefs.size === 1 ? [...beliefs][0] : null;
}

/** Stops node `id` and starts a new incarnation on the same address and files. */
async function restart(cluster: InProcessCluster, id: NodeId, overrides: Partial<LiveNodeConfig> = {}): Promise<void> {
  await cluster.nodes[id - 1].node.stop();
  const node = new LiveNode({
    id,
    addresses: cluster.addresses,
    protocol: sequencer,
    dataDir: cluster.dataDir,
    seed: 1,
    options: OPTIONS,
    ...overrides,
  });
  cluster.nodes[id - 1] = watch(node);
  await node.start();
}

/** Like waitFor, polling every 250 ms: each poll reads whole logs, which must not starve the nodes under test. */
async function waitSlowly(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every node's log holds the same entries, in one order, and holds `ids` among them. */
async function oneOrderHolding(cluster: InProcessCluster, ids: readonly string[], waitMs = WAIT_MS): Promise<void> {
  const logs = () => cluster.nodes.map((watched) => loggedIds(cluster.dataDir, watched.node.id));
  await waitSlowly(
    () => {
      const now = logs();
      return now.every((log) => log.length === now[0].length && ids.every((id) => log.includes(id)));
    },
    waitMs,
    `${ids.length} entries, and equal logs, at every node`,
  );
  const settled = logs();
  for (const log of settled) expect(log).toEqual(settled[0]);
}

function submitAll(cluster: InProcessCluster, at: NodeId, payloads: readonly string[]): string[] {
  return payloads.map((payload) => {
    const outcome = cluster.nodes[at - 1].node.submit(payload);
    if (!outcome.ok) throw new Error(outcome.problem);
    return outcome.id;
  });
}

describe('issue 13 without a secret: well-formed lies are refused at the door', () => {
  let cluster: InProcessCluster;
  let leader: NodeId;
  const port = (id: NodeId) => cluster.addresses.get(id)?.port as number;
  beforeAll(async () => {
    cluster = await startInProcessCluster(3, sequencer, { options: OPTIONS, dataDir: tempDir() });
    await waitFor(() => leaderOf(cluster) !== null, WAIT_MS, 'a leader everyone follows');
    leader = leaderOf(cluster) as NodeId;
    await oneOrderHolding(cluster, submitAll(cluster, 1, ['before anything']));
  });
  afterAll(async () => cluster?.stop());

  it('B: a SEQ_CHAT with an extra "kind":"term" key never becomes a term record, and the node starts again', async () => {
    const terms = termRecords(cluster.dataDir, 1);
    const forged = { type: 'SEQ_CHAT', term: 1, seq: 2, id: 'forged', origin: leader, payload: 'x', kind: 'term' };
    expect(await dialLines(port(1), plainFrames(leader, [forged]))).toBe('closed by node');
    expect(termRecords(cluster.dataDir, 1)).toEqual(terms);
    await restart(cluster, 1);
    expect(cluster.nodes[0].node.running).toBe(true);
    await oneOrderHolding(cluster, submitAll(cluster, 1, ['after B']));
  });

  it('C: a COORDINATOR with term 2^53-1 is refused; no node stores an unusable term', async () => {
    const terms = cluster.nodes.map((watched) => watched.node.status()?.term);
    for (const term of [2 ** 53 - 1, 2 ** 48 + 1]) {
      expect(await dialLines(port(1), plainFrames(leader, [{ type: 'COORDINATOR', term, lastSeq: 0 }]))).toBe(
        'closed by node',
      );
    }
    expect(cluster.nodes.map((watched) => watched.node.status()?.term)).toEqual(terms);
    await oneOrderHolding(cluster, submitAll(cluster, 2, ['after C']));
  });

  it('D: a CHAT in a 1 MiB frame is refused; the largest legal message (every character escaped) reaches everyone', async () => {
    const frame = JSON.stringify({ from: 2, msg: { type: 'CHAT', id: 'big', origin: 2, payload: '' }, ref: '2:99:1' });
    const payload = 'x'.repeat(1024 * 1024 - frame.length);
    const line = frame.replace('"payload":""', `"payload":"${payload}"`);
    expect(Buffer.byteLength(line)).toBe(1024 * 1024);
    expect(await dialLines(port(leader), [plainFrames(2, [])[0], line])).toBe('closed by node');
    const largest = '\u0001'.repeat(4096);
    await oneOrderHolding(cluster, submitAll(cluster, 1, [largest, 'after D']));
  });

  it(
    'G: a node that was down while 150 messages of 4 KiB escaped characters passed catches up',
    { timeout: 120_000 },
    async () => {
      const follower = leader === 1 ? 2 : 1;
      await cluster.nodes[follower - 1].node.stop();
      const submitter = cluster.nodes.find((watched) => watched.node.id !== follower)?.node.id as NodeId;
      const ids = submitAll(
        cluster,
        submitter,
        Array.from({ length: 150 }, (_, index) => `${index}`.padEnd(4096, '\u0002')),
      );
      await waitFor(
        () => loggedIds(cluster.dataDir, leader).length >= ids.length,
        WAIT_MS,
        'the leader to sequence 150',
      );
      await restart(cluster, follower);
      // At most two such entries fit a catch-up batch (BATCH_BYTES_MAX), so this takes 75 round trips.
      await oneOrderHolding(cluster, ids, 90_000);
    },
  );

  it('F: 62 idle connections that said hello, and more that did not, keep no restarted follower out', async () => {
    const idle = await Promise.all(
      Array.from({ length: 82 }, (_, index) => idleHello(port(leader), index < 62 ? (index % 2 === 0 ? 1 : 2) : null)),
    );
    try {
      const follower = leader === 1 ? 2 : 1;
      await restart(cluster, follower);
      await oneOrderHolding(
        cluster,
        submitAll(
          cluster,
          follower,
          Array.from({ length: 10 }, (_, index) => `after F ${index}`),
        ),
      );
      const notes = cluster.nodes[leader - 1].notes.join('\n');
      expect(notes).toMatch(/opened a newer connection|waiting for a hello/);
    } finally {
      for (const connection of idle) connection.close();
    }
  });

  it(
    'H: retryForwards re-sends on a backed-off timer, not per submission: 300 lines at a follower, each delivered once',
    { timeout: 120_000 },
    async () => {
      const follower = leader === 1 ? 2 : 1;
      const watched = cluster.nodes[follower - 1];
      const chatSends = () =>
        readFileSync(nodeFiles(cluster.dataDir, follower).history, 'utf8').split('"type":"CHAT"').length - 1;
      const before = chatSends();
      const ids = submitAll(
        cluster,
        follower,
        Array.from({ length: 300 }, (_, index) => `H ${index}`),
      );
      await oneOrderHolding(cluster, ids, 90_000);
      // One CHAT per submission, plus a re-send of what is still undelivered at each backed-off retry (1, 3, 7, 15 s
      // after the first): re-sending every pending one per submission, as before, made n(n+1)/2 = 45,150 frames.
      expect(chatSends() - before).toBeLessThanOrEqual(ids.length * 5);
      const delivered = watched.deliveries.map((delivery) => delivery.id).filter((id) => ids.includes(id));
      expect(new Set(delivered).size).toBe(ids.length);
      expect(delivered).toHaveLength(ids.length);
    },
  );

  it('N: deliveries persisted but never shown before a crash are handed over once, in order, at restart', async () => {
    const follower = leader === 1 ? 2 : 1;
    const ids = submitAll(cluster, follower, ['N1', 'N2', 'N3']);
    await oneOrderHolding(cluster, ids);
    await cluster.nodes[follower - 1].node.stop();
    // As if kill -9 had struck after the fsync and before these three deliveries were written out.
    const path = nodeFiles(cluster.dataDir, follower).history;
    const lines = readFileSync(path, 'utf8').split('\n');
    const shown = lines.filter(
      (line) => !ids.some((id) => line.startsWith('{"type":"deliver"') && line.includes(`"id":"${id}"`)),
    );
    writeFileSync(path, shown.join('\n'));
    await restart(cluster, follower);
    const again = cluster.nodes[follower - 1];
    expect(again.notes).toContain(
      'handing over 3 deliveries persisted before the previous run stopped but never shown',
    );
    expect(again.deliveries.slice(0, 3).map((delivery) => delivery.id)).toEqual(ids);
    expect(
      again.node
        .recentDeliveries()
        .slice(0, 3)
        .map((delivery) => delivery.id),
    ).toEqual(ids);
    await restart(cluster, follower);
    expect(cluster.nodes[follower - 1].deliveries.filter((delivery) => ids.includes(delivery.id))).toHaveLength(0);
  });

  it('I, J: a flipped letter mid-log, or a log cut on a line boundary, stops the node naming what is wrong', async () => {
    const follower = leader === 1 ? 2 : 1;
    await cluster.nodes[follower - 1].node.stop();
    const path = nodeFiles(cluster.dataDir, follower).log;
    const original = readFileSync(path, 'utf8');
    const config = {
      id: follower,
      addresses: cluster.addresses,
      protocol: sequencer,
      dataDir: cluster.dataDir,
      options: OPTIONS,
    };
    writeFileSync(path, original.replace('"payload":"after B"', '"payload":"after b"'));
    await expect(new LiveNode(config).start()).rejects.toThrow(
      /record \d+ \(line \d+, bytes \d+-\d+\) fails its checksum/,
    );
    const lines = original.split('\n');
    writeFileSync(path, lines.slice(0, -3).join('\n') + '\n');
    await expect(new LiveNode(config).start()).rejects.toThrow(
      /holds \d+ records, but it held \d+ when node \d last started or stopped/,
    );
    writeFileSync(path, original);
    await restart(cluster, follower);
    await oneOrderHolding(cluster, submitAll(cluster, follower, ['after I and J']));
  });

  it('K: a disk that fills up at run time stops the node with a storage error and loses nothing persisted', async () => {
    const follower = leader === 1 ? 2 : 1;
    const watched = cluster.nodes[follower - 1];
    const logPath = nodeFiles(cluster.dataDir, follower).log;
    const before = readFileSync(logPath, 'utf8');
    // Fault injection: the log's descriptor now points at a device that answers every write with ENOSPC.
    const log = (watched.node as unknown as { log: { fd: number } }).log;
    const fileFd = log.fd;
    log.fd = openSync('/dev/full', 'a');
    closeSync(fileFd);
    watched.node.submit('lost to a full disk');
    const reason = await watched.node.stopped;
    expect(reason).toMatch(/storage failed: cannot write the log .*: the disk is full \(ENOSPC\)/);
    expect(watched.node.storageFailure).toBeInstanceOf(StorageError);
    expect(readFileSync(logPath, 'utf8')).toBe(before);
    await restart(cluster, follower);
    await oneOrderHolding(cluster, submitAll(cluster, follower, ['after K']));
  });
});

describe('issue 13 with a secret', () => {
  const SECRET = 'the secret of issue 13';
  let cluster: InProcessCluster;
  let leader: NodeId;
  beforeAll(async () => {
    cluster = await startInProcessCluster(3, sequencer, {
      options: { ...OPTIONS, dedupSubmissions: false },
      secret: SECRET,
      dataDir: tempDir(),
    });
    await waitFor(() => leaderOf(cluster) !== null, WAIT_MS, 'a leader everyone follows');
    leader = leaderOf(cluster) as NodeId;
  });
  afterAll(async () => cluster?.stop());

  it('A: a forged SEQ_CHAT from a process claiming to be the leader is refused; the real message takes that seq', async () => {
    const follower = leader === 1 ? 2 : 1;
    const port = cluster.addresses.get(follower)?.port as number;
    const forged = { type: 'SEQ_CHAT', term: 1, seq: 1, id: 'forged', origin: leader, payload: 'forged text' };
    expect(await dialLines(port, plainFrames(leader, [forged]))).toBe('closed by node');
    expect(
      await dialSigned(port, (challenge) => signedFrames(leader, follower, 'a guessed secret', challenge, [forged])),
    ).toBe('closed by node');
    const [real] = submitAll(cluster, follower, ['the real message']);
    await oneOrderHolding(cluster, [real]);
    expect(loggedIds(cluster.dataDir, follower)[0]).toBe(real);
    expect(cluster.nodes[follower - 1].deliveries.map((delivery) => delivery.payload)).not.toContain('forged text');
  });

  it('E: a captured signed frame replayed 50 times is delivered once; a "__proto__" key breaks its mac', async () => {
    const follower = leader === 1 ? 2 : 1;
    const port = cluster.addresses.get(leader)?.port as number;
    const chat = { type: 'CHAT', id: `${follower}-99-1`, origin: follower, payload: 'captured' };
    let captured: string[] = [];
    // An insider's frames on one connection: delivered once.
    await dialSigned(port, (challenge) => (captured = signedFrames(follower, leader, SECRET, challenge, [chat])), 500);
    await waitFor(
      () => cluster.nodes.every((watched) => watched.deliveries.some((delivery) => delivery.payload === 'captured')),
      WAIT_MS,
      'the one delivery',
    );
    const replays = await Promise.all(Array.from({ length: 50 }, () => dialLines(port, captured)));
    expect(replays.every((outcome) => outcome === 'closed by node')).toBe(true);
    const slipped = captured[1].replace('"payload":"captured"', '"__proto__":{},"payload":"captured"');
    expect(
      await dialSigned(port, (challenge) => [signedFrames(follower, leader, SECRET, challenge, [])[0], slipped]),
    ).toBe('closed by node');
    await oneOrderHolding(cluster, submitAll(cluster, follower, ['after E']));
    for (const watched of cluster.nodes) {
      expect(watched.deliveries.filter((delivery) => delivery.payload === 'captured')).toHaveLength(1);
    }
  });
});

describe('issue 13 at the command line', () => {
  const children: ChildNode[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.running) await child.kill9();
  });
  const run = async (args: string[]): Promise<ChildNode> => {
    const child = new ChildNode(args);
    children.push(child);
    await child.end(20_000);
    return child;
  };

  it('K: a refused directory or a device where a file should be is exit 74 with the reason, never a stack trace', async () => {
    const ports = await freePorts(2);
    const dataDir = tempDir();
    symlinkSync('/dev/full', join(dataDir, 'node-1.history.jsonl'));
    const device = await run(['--id', '1', '--peers', peersFlag(ports), '--data', dataDir]);
    expect(device.exitCode).toBe(74);
    expect(device.stderr).toMatch(/storage error: .*node-1\.history\.jsonl is not a regular file/);
    expect(device.stderr).not.toMatch(/\n\s+at /);
    const refused = await run(['--id', '1', '--peers', peersFlag(ports), '--data', '/sys/tob-lab-cannot-be-here']);
    expect(refused.exitCode).toBe(74);
    expect(refused.stderr).toMatch(/storage error: cannot create the data directory .*\((EPERM|EACCES|EROFS)\)/);
  });

  it('L: options out of range are exit 64 naming the valid range', async () => {
    const ports = await freePorts(2);
    const base = ['--id', '1', '--peers', peersFlag(ports), '--data', tempDir()];
    for (const [options, range] of [
      ['{"heartbeatIntervalMs":-5}', /heartbeatIntervalMs must be an integer from 1 to 600000 \(.*\), got -5/],
      ['{"heartbeatIntervalMs":0}', /from 1 to 600000 \(.*\), got 0/],
      ['{"catchupBatchMax":0}', /catchupBatchMax must be an integer from 1 to 10000 \(.*\), got 0/],
      ['{"heartbeatIntervalMs":3000}', /leaderTimeoutMs \(2500\) must exceed heartbeatIntervalMs \(3000\)/],
    ] as const) {
      const child = await run([...base, '--options', options]);
      expect(child.exitCode, options).toBe(64);
      expect(child.stderr).toMatch(range);
    }
  });

  it('cluster takes its secret from TOB_LAB_SECRET too, checked like --secret', () => {
    expect(secretFrom(undefined, { TOB_LAB_SECRET: 'from the environment' })).toBe('from the environment');
    expect(secretFrom('from the flag', { TOB_LAB_SECRET: 'from the environment' })).toBe('from the flag');
    expect(secretFrom(undefined, { TOB_LAB_SECRET: '' })).toBeUndefined();
    expect(() => secretFrom(undefined, { TOB_LAB_SECRET: 'short' })).toThrow(
      /TOB_LAB_SECRET: a secret needs at least 8 bytes/,
    );
  });

  it('says plainly that without a secret any local process can speak for any peer; elsewhere it needs a flag', async () => {
    const ports = await freePorts(2);
    const exposed = await run([
      '--id',
      '1',
      '--peers',
      `1=0.0.0.0:${ports[0]},2=127.0.0.1:${ports[1]}`,
      '--data',
      tempDir(),
    ]);
    expect(exposed.exitCode).toBe(64);
    expect(exposed.stderr).toMatch(
      /without a secret, where anyone who can reach it can speak for any peer; .*--allow-insecure/,
    );
    const local = await run(['--id', '1', '--peers', peersFlag(ports), '--data', tempDir()]);
    expect(local.exitCode).toBe(0);
    expect(local.stderr).toMatch(
      /runs without a secret: any process that can reach 127\.0\.0\.1:\d+ can speak for any peer/,
    );
  });
});
