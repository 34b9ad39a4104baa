import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../src/core/history.ts';
import { runCheckers } from '../src/check/index.ts';
import { mergeHistories } from '../src/live/histories.ts';
import {
  ChildNode,
  FAST_SEQUENCER_OPTIONS,
  freePorts,
  peersFlag,
  temporaryDirectory,
  waitFor,
} from './support/live.ts';
import { sequencer } from '../src/protocols/sequencer/index.ts';

/** Real processes (`tob-lab live --headless`) on loopback: the sequencer, unchanged, over TCP. */

const WAIT_MS = 20_000;
const children: ChildNode[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.running) await child.kill9();
});

function spawnNode(id: number, ports: number[], dataDir: string): ChildNode {
  const options = JSON.stringify({ ...FAST_SEQUENCER_OPTIONS, dedupSubmissions: true });
  const child = new ChildNode([
    '--id',
    String(id),
    '--peers',
    peersFlag(ports),
    '--data',
    dataDir,
    '--options',
    options,
    '--seed',
    '7',
  ]);
  children.push(child);
  return child;
}

/** The leader every given node currently follows (or is), once they all agree; null until then. */
function agreedLeader(nodes: readonly ChildNode[]): number | null {
  const beliefs = nodes.map((node) => {
    const last = node.linesOf('announce').at(-1);
    return last === undefined ? null : (last.leader as number | null);
  });
  const leader = beliefs[0];
  if (leader === null || beliefs.some((belief) => belief !== leader)) return null;
  return leader;
}

async function startCluster(
  count: number,
): Promise<{ nodes: ChildNode[]; ports: number[]; dataDir: string; leader: number }> {
  const ports = await freePorts(count);
  const dataDir = temporaryDirectory();
  const nodes = ports.map((_, index) => spawnNode(index + 1, ports, dataDir));
  await waitFor(() => nodes.every((node) => node.linesOf('ready').length === 1), WAIT_MS, 'every node to be ready');
  await waitFor(() => agreedLeader(nodes) !== null, WAIT_MS, 'the nodes to agree on a leader');
  return { nodes, ports, dataDir, leader: agreedLeader(nodes) as number };
}

function judge(dataDir: string, count: number) {
  const files = Array.from({ length: count }, (_, index) => join(dataDir, `node-${index + 1}.history.jsonl`));
  // Every node was up and every fault over at the end: what is missing by then is a liveness failure.
  const phase = { type: 'phase', phase: 'liveness', i: 0, t: Date.now() } as HistoryEvent;
  const history = mergeHistories(files, [phase]);
  return Object.fromEntries(
    runCheckers(history).map((verdict) => [verdict.checker, `${verdict.status}: ${verdict.summary}`]),
  );
}

describe('a live sequencer cluster of three processes', () => {
  it('delivers what every node submits in one order everywhere, and the checkers agree', async () => {
    const { nodes, dataDir } = await startCluster(3);
    for (let round = 1; round <= 4; round += 1) {
      nodes.forEach((node, index) => node.submit(`message ${round} from node ${index + 1}`));
    }
    await waitFor(() => nodes.every((node) => node.delivered().length === 12), WAIT_MS, '12 deliveries at every node');
    const orders = nodes.map((node) => node.delivered());
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);
    expect(new Set(orders[0]).size).toBe(12);
    const seqs = nodes[0].linesOf('deliver').map((line) => (line.order as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, index) => index + 1));
    expect(nodes.map((node) => node.linesOf('submitted').length)).toEqual([4, 4, 4]);
    expect(await Promise.all(nodes.map((node) => node.end()))).toEqual([0, 0, 0]);
    const verdicts = judge(dataDir, 3);
    for (const verdict of Object.values(verdicts)) expect(verdict, `histories in ${dataDir}`).toMatch(/^pass/);
    expect(Object.keys(verdicts)).toContain('election-safety');
  });

  it('recovers a leader killed with SIGKILL from its log, without delivering anything twice, and catches it up', async () => {
    const { nodes, ports, dataDir, leader } = await startCluster(3);
    nodes.forEach((node, index) => node.submit(`before the kill, from node ${index + 1}`));
    await waitFor(() => nodes.every((node) => node.delivered().length === 3), WAIT_MS, '3 deliveries everywhere');
    const victim = nodes[leader - 1];
    await victim.kill9();
    const survivors = nodes.filter((node) => node !== victim);
    await waitFor(() => ![null, leader].includes(agreedLeader(survivors)), WAIT_MS, 'a new leader among the survivors');
    survivors.forEach((node) => node.submit(`while node ${leader} is down`));
    await waitFor(
      () => survivors.every((node) => node.delivered().length === 5),
      WAIT_MS,
      'the survivors to deliver 5',
    );

    const restarted = spawnNode(leader, ports, dataDir);
    await waitFor(() => restarted.linesOf('ready').length === 1, WAIT_MS, 'the restarted node to be ready');
    expect(restarted.linesOf('ready')[0].boot).toBe(2);
    await waitFor(() => restarted.delivered().length === 2, WAIT_MS, 'the restarted node to catch up');
    restarted.submit('back again');
    const all = [...survivors, restarted];
    await waitFor(
      () => survivors.every((node) => node.delivered().length === 6) && restarted.delivered().length === 3,
      WAIT_MS,
      'the last message everywhere',
    );

    // Before the kill plus after the restart: the full order, each message once.
    expect([...victim.delivered(), ...restarted.delivered()]).toEqual(survivors[0].delivered());
    expect(survivors[1].delivered()).toEqual(survivors[0].delivered());
    expect(restarted.stderr).toMatch(/the previous run did not stop cleanly/);
    expect(await Promise.all(all.map((node) => node.end()))).toEqual([0, 0, 0]);
    // What the promise table promises under crash-restart must pass; what it lists as known to break may fail
    // (on a loaded machine the restarted node can still win an election in a term that was already used).
    // (Since crash points, the table says total-order and durability break under crash-restart: a leader killed
    // between its sync and its SEQ_CHAT leaves a seq the next leader reuses.)
    const verdicts = judge(dataDir, 3);
    const table = sequencer.promises;
    expect(table['exactly-once']?.holds).toContain('crash-restart');
    for (const name of ['total-order', 'exactly-once', 'election-safety', 'eventual-delivery', 'durability'] as const) {
      if (table[name]?.holds.includes('crash-restart'))
        expect(verdicts[name], `histories in ${dataDir}`).toMatch(/^pass/);
      else if (!verdicts[name].startsWith('pass'))
        expect(table[name]?.breaks, `${name}: ${verdicts[name]}`).toContain('crash-restart');
    }
  });
});
