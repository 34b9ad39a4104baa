import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventOf, HistoryEvent } from '../src/core/history.ts';
import { ClusterInterrupted, runCluster } from '../src/cluster/launcher.ts';
import { demoScenario } from '../src/cluster/demo.ts';
import { processAlive } from '../src/cluster/node-process.ts';
import { lostItsPort, NODE_PORT_MAX, NODE_PORT_MIN, pickNodePorts } from '../src/cluster/ports.ts';
import { protocolByName } from '../src/protocols/index.ts';
import { after, heal, leaderElected, partition, scenario, when, within } from '../src/scenarios/dsl.ts';
import { runCli } from './support/cli.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function freshDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tob-lab-live-${label}-`));
  dirs.push(dir);
  return dir;
}

function of<Type extends HistoryEvent['type']>(events: readonly HistoryEvent[], type: Type): EventOf<Type>[] {
  return events.filter((event): event is EventOf<Type> => event.type === type);
}

/** Pids of live processes whose command line names `text` (Linux /proc; empty elsewhere, where pids are checked). */
function processesNaming(text: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text) && processAlive(Number(pid));
      } catch {
        return false; // Gone between the listing and the read.
      }
    })
    .map(Number);
}

describe('tob-lab cluster: faults through the link proxies', () => {
  it('a partition drops the traffic between the groups, and only that traffic', async () => {
    const dataDir = freshDir('partition');
    const split = scenario({
      name: 'live-partition',
      cluster: { protocol: 'sequencer', nodes: 3 },
      // Long enough for node 3's heartbeats (every 800 ms) to be cut, and for 1 and 2 to suspect it (2500 ms).
      timeline: [within(15_000, when(leaderElected(3), partition([1, 2], [3]))), after(3_200, heal())],
      settleMs: 500,
      livenessMs: 5_000,
    });
    const outcome = await runCluster({ scenario: split, dataDir, seed: 3, speed: 1, timeLimitMs: 60_000 });
    const events = outcome.result.history.events;
    const partitionAt = of(events, 'partition')[0]?.i ?? expect.fail('no partition event');
    const healAt = of(events, 'heal')[0]?.i ?? expect.fail('no heal event');

    const drops = of(events, 'drop').filter((event) => event.reason === 'partition');
    expect(drops.length).toBeGreaterThanOrEqual(2);
    const crossesGroups = (from: number, to: number) => (from === 3) !== (to === 3);
    for (const drop of drops) {
      expect(crossesGroups(drop.node, drop.to), `drop ${drop.node} -> ${drop.to}`).toBe(true);
      expect(drop.i).toBeGreaterThan(partitionAt);
      // The frame was sent (the node's own history says so) and never received.
      expect(of(events, 'send').some((send) => send.msg === drop.msg && send.node === drop.node)).toBe(true);
      expect(of(events, 'receive').some((receive) => receive.msg === drop.msg)).toBe(false);
    }
    expect(
      drops.some((drop) => drop.node === 3),
      "the leader's heartbeats are cut",
    ).toBe(true);
    const crossReceives = of(events, 'receive').filter((event) => crossesGroups(event.from, event.node));
    expect(
      crossReceives.some((event) => event.i > healAt),
      'traffic flows again after the heal',
    ).toBe(true);
    const stats = new Map(outcome.links.map(({ from, to, stats: link }) => [`${from}->${to}`, link.framesDropped]));
    expect([stats.get('1->2'), stats.get('2->1')]).toEqual([0, 0]);
    expect(outcome.pids.filter(processAlive)).toEqual([]);
  });

  it('stops every process it started when interrupted', async () => {
    const dataDir = freshDir('interrupt');
    const interrupt = new AbortController();
    const sequencer = protocolByName('sequencer') ?? expect.fail('no sequencer');
    const run = runCluster({
      scenario: demoScenario(sequencer, 3),
      dataDir,
      seed: 1,
      speed: 1,
      timeLimitMs: 60_000,
      signal: interrupt.signal,
      onProgress: (line) => {
        if (line.includes('scenario live-demo started')) {
          // While all three nodes run, as a Ctrl-C would come.
          expect(processesNaming(dataDir).length).toBe(3);
          interrupt.abort();
        }
      },
    });
    await expect(run).rejects.toBeInstanceOf(ClusterInterrupted);
    expect(processesNaming(dataDir)).toEqual([]);
  });

  it('refuses bad flags and a used data directory with exit 64, before starting anything', async () => {
    const speed = await runCli(['cluster', '--speed', '0']);
    expect(speed.code).toBe(64);
    expect(speed.stderr).toContain('--speed');
    const nodes = await runCli(['cluster', '--scenario', 'leader-failure', '--nodes', '5']);
    expect(nodes.code).toBe(64);
    expect(nodes.stderr).toContain("scenario's 3 nodes");
    const style = await runCli(['cluster', '--cut-style', 'sometimes']);
    expect(style.code).toBe(64);
    const used = freshDir('used');
    writeFileSync(join(used, 'node-1.history.jsonl'), '');
    const stale = await runCli(['cluster', '--data', used]);
    expect(stale.code).toBe(64);
    expect(stale.stderr).toContain('already holds node files');
    expect(processesNaming(used)).toEqual([]);
  });

  it('picks node ports below the ephemeral range, distinct and free, and knows a lost one', async () => {
    const taken = new Set([NODE_PORT_MIN + 1]);
    const ports = await pickNodePorts(8, taken);
    expect(new Set(ports).size).toBe(8);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(NODE_PORT_MIN);
      expect(port).toBeLessThan(NODE_PORT_MAX);
      expect(taken.has(port)).toBe(false);
    }
    expect(
      lostItsPort('tob-lab: cannot listen on 127.0.0.1:20001: the address is in use (is this node already running?)'),
    ).toBe(true);
    expect(lostItsPort('tob-lab: --secret: a secret needs at least 8 bytes')).toBe(false);
  });
});
