import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeId } from '../src/core/ids.ts';
import { pick, randomStream, type RandomStream } from '../src/core/rng.ts';
import { encodeData, encodeHello } from '../src/live/frames.ts';
import { frameGenerators, SEMANTIC_FORGERIES } from './support/forgeries.ts';
import { nodeFiles } from '../src/live/host.ts';
import { readLog } from '../src/live/storage.ts';
import { FRAME_BYTES_FLOOR } from '../src/protocols/shared/schema.ts';
import { FAST_SEQUENCER_OPTIONS, startInProcessCluster, waitFor, type InProcessCluster } from './support/live.ts';
import { sequencer } from '../src/protocols/sequencer/index.ts';

/**
 * Thousands of random and malformed frames, over many connections, at one node of a live sequencer cluster. The
 * node must drop each bad connection with a log line and go on: still serving its real peers, its log intact.
 */

const FRAME_BYTES_MAX = FRAME_BYTES_FLOOR; // the smallest a host accepts, so oversize frames are cheap to send
const CONNECTIONS = 240;
const FRAMES_PER_CONNECTION = 12;
const CONCURRENT_CONNECTIONS = 12;
const CONNECTION_MS_MAX = 3_000;
const TARGET: NodeId = 2;

const GENERATORS = frameGenerators(FRAME_BYTES_MAX);

/** A connection's lines: usually a hello first (valid or not), then a random mix. */
function connectionLines(random: RandomStream): string[] {
  const names = Object.keys(GENERATORS);
  const lines: string[] = [];
  const opening = random.next();
  if (opening < 0.7) lines.push(encodeHello(1, null));
  else if (opening < 0.8) lines.push(encodeHello(pick(random, [0, 2, 9, -1]), null));
  for (let index = lines.length; index < FRAMES_PER_CONNECTION; index += 1)
    lines.push(GENERATORS[pick(random, names)](random));
  return lines;
}

/** Sends the lines (as latin1, so random "bytes" stay bytes) and waits, bounded, for the node to close or finish. */
function sendLines(port: number, lines: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), CONNECTION_MS_MAX);
    socket.on('connect', () => socket.end(Buffer.from(lines.join('\n') + '\n', 'latin1')));
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The protocol's records in a node's log (the host's own lines left out). */
function logLines(cluster: InProcessCluster, id: NodeId): Array<Record<string, unknown>> {
  return readLog(nodeFiles(cluster.dataDir, id).log)
    .filter((line) => line.kind === 'record')
    .map((line) => line.value as Record<string, unknown>);
}

describe('semantic forgeries', () => {
  it('are each refused by the schema, as sent on the wire', () => {
    const random = randomStream(7, 'forgeries');
    for (const forge of SEMANTIC_FORGERIES) {
      const forged = JSON.parse(encodeData(1, forge(random), '1:1:1', null)) as { msg: unknown };
      expect(sequencer.isMessage(forged.msg), JSON.stringify(forged.msg).slice(0, 80)).toBe(false);
    }
  });
});

describe('a live node under a flood of bad frames', () => {
  let cluster: InProcessCluster;
  beforeAll(async () => {
    cluster = await startInProcessCluster(3, sequencer, {
      options: FAST_SEQUENCER_OPTIONS,
      frameBytesMax: FRAME_BYTES_MAX,
    });
    const leaders = () => new Set(cluster.nodes.map((watched) => watched.node.status()?.leader ?? null));
    await waitFor(() => leaders().size === 1 && !leaders().has(null), 15_000, 'a leader everyone follows');
  });
  afterAll(async () => cluster?.stop());

  const deliveredEverywhere = (count: number) => cluster.nodes.every((watched) => watched.deliveries.length === count);

  it('drops every bad connection, keeps serving its real peers and keeps its log intact', async () => {
    cluster.nodes.forEach((watched, index) => watched.node.submit(`before the flood ${index + 1}`));
    await waitFor(() => deliveredEverywhere(3), 15_000, '3 deliveries everywhere');
    const logBefore = logLines(cluster, TARGET);

    const random = randomStream(2024, 'fuzz');
    const port = cluster.addresses.get(TARGET)?.port as number;
    const plans = Array.from({ length: CONNECTIONS }, () => connectionLines(random));
    for (let start = 0; start < plans.length; start += CONCURRENT_CONNECTIONS) {
      await Promise.all(plans.slice(start, start + CONCURRENT_CONNECTIONS).map((lines) => sendLines(port, lines)));
    }
    const framesSent = plans.reduce((sum, lines) => sum + lines.length, 0);
    expect(framesSent).toBeGreaterThanOrEqual(2_500);

    const target = cluster.nodes[TARGET - 1];
    expect(target.node.running).toBe(true);
    const drops = target.notes.filter((note) => note.startsWith('dropped connection from 127.0.0.1'));
    // Notes are throttled by kind of problem, so a flood is a handful of lines, each with a count of the rest.
    expect(drops.length).toBeLessThan(CONNECTIONS / 4);
    for (const reason of [
      /not valid JSON/,
      /over the 65536-byte limit/,
      /not valid UTF-8/,
      /unknown or malformed protocol message/,
      /says it is from "3"/,
      /nests deeper/,
      /must be \{"hello"/,
      /a second hello/,
    ]) {
      expect(
        drops.some((note) => reason.test(note)),
        String(reason),
      ).toBe(true);
    }

    cluster.nodes.forEach((watched, index) => watched.node.submit(`after the flood ${index + 1}`));
    await waitFor(() => deliveredEverywhere(6), 15_000, '6 deliveries everywhere after the flood');
    const orders = cluster.nodes.map((watched) => watched.deliveries.map((delivery) => delivery.id));
    expect(orders[0]).toEqual(orders[1]);
    expect(orders[0]).toEqual(orders[2]);

    const logAfter = logLines(cluster, TARGET);
    expect(logAfter.slice(0, logBefore.length)).toEqual(logBefore);
    // No forged message changed the term or left a record: only the real entries and the one term record.
    expect(logAfter.filter((record) => record.kind === 'term')).toEqual(
      logBefore.filter((record) => record.kind === 'term'),
    );
    expect(cluster.nodes.map((watched) => watched.node.status()?.term)).toEqual(
      [1, 1, 1].map(() => cluster.nodes[0].node.status()?.term),
    );
    const entries = (lines: Array<Record<string, unknown>>) =>
      lines.filter((record) => record.kind === 'entry').map((record) => record.id);
    expect(entries(logAfter)).toEqual(orders[0]);
    expect(entries(logLines(cluster, 1))).toEqual(orders[0]);
  });
});
