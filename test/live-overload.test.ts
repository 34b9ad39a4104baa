import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ChildNode, freePorts, peersFlag, temporaryDirectory, waitFor } from './support/live.ts';

/**
 * Issue 13, M: a saturated cluster. Three `tob-lab live` processes (the sequencer with its documented timings:
 * heartbeat 800 ms, leader timeout 2500 ms) each get a burst of lines on stdin at once, far more than they can
 * handle at a time. Bounded queues, backpressure (stdin and sockets are not read while the queue is long) and group
 * commit keep the heartbeats flowing: no follower suspects the leader, nobody starts an election, and every message
 * is delivered by every node in one order.
 */

const PER_NODE = 2_000;
const WAIT_MS = 150_000;
const children: ChildNode[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.running) await child.kill9();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a live sequencer cluster under saturation', () => {
  it(
    'delivers everything in one order with no election and no leader change, without a fault',
    { timeout: 240_000 },
    async () => {
      const ports = await freePorts(3);
      const dataDir = temporaryDirectory();
      dirs.push(dataDir);
      const options = JSON.stringify({ dedupSubmissions: true });
      const nodes = ports.map(
        (_, index) =>
          new ChildNode([
            '--id',
            String(index + 1),
            '--peers',
            peersFlag(ports),
            '--data',
            dataDir,
            '--options',
            options,
            '--seed',
            '3',
          ]),
      );
      children.push(...nodes);
      const leaderOf = (node: ChildNode) => node.linesOf('announce').at(-1)?.leader ?? null;
      await waitFor(() => nodes.every((node) => leaderOf(node) === 3), 30_000, 'node 3 to lead everyone');
      const settledAnnouncements = nodes.map((node) => node.linesOf('announce').length);
      const settledStderr = nodes.map((node) => node.stderr.length);

      for (let index = 0; index < PER_NODE; index += 1)
        nodes.forEach((node, at) => node.submit(`load ${at + 1}.${index}`));
      await waitFor(
        () => nodes.every((node) => node.delivered().length >= 3 * PER_NODE),
        WAIT_MS,
        `${3 * PER_NODE} deliveries at every node`,
      );

      const orders = nodes.map((node) => node.delivered());
      expect(orders[0]).toHaveLength(3 * PER_NODE);
      expect(new Set(orders[0]).size).toBe(3 * PER_NODE);
      for (const order of orders) expect(order).toEqual(orders[0]);
      // No role, term or leader changed after the cluster settled: no false suspicion, no election.
      expect(nodes.map((node) => node.linesOf('announce').length)).toEqual(settledAnnouncements);
      expect(nodes.every((node) => node.running)).toBe(true);
      // Nor did anything after the initial election say so, or drop work for a full queue.
      const after = nodes.map((node, index) => node.stderr.slice(settledStderr[index])).join('');
      expect(after).not.toMatch(/suspected|starting an election|queue full/);
    },
  );
});
