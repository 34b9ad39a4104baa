import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { historyHash, historyToJsonl } from '../src/core/history.ts';
import type { NodeContext, ProtocolDefinition, ProtocolNode, Submission } from '../src/core/node.ts';
import { computeMetrics } from '../src/report/metrics.ts';
import { withTerminalViews } from '../src/report/terminal.ts';
import { formatRun } from '../src/report/text.ts';
import { VIEW_EXPORT_EVENTS_MAX, writeRunReport } from '../src/report/write.ts';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import fc from 'fast-check';
import { caseArbitrary, counterexampleSource, GENERATED_MAX_EVENTS } from '../src/search/index.ts';

/** A protocol that answers every message with a broadcast: traffic doubles until the event bound stops the run. */
type Flood = { type: 'flood'; id: string };
class FloodNode implements ProtocolNode<Flood> {
  start(): void {}
  submit(ctx: NodeContext<Flood>, submission: Submission): void {
    ctx.broadcast({ type: 'flood', id: submission.id });
  }
  message(ctx: NodeContext<Flood>, _from: number, message: Flood): void {
    ctx.broadcast(message);
  }
  timer(): void {}
  status() {
    return { role: 'peer' as const, delivered: 0 };
  }
}
const flood: ProtocolDefinition = {
  name: 'flood',
  summary: 'every message answered with a broadcast',
  create: () => new FloodNode() as ProtocolNode,
  isMessage: (value) => typeof value === 'object' && value !== null,
  promises: {},
};

describe('a protocol that floods the network', () => {
  it('stops at the event bound with a report that says so, and writes no view too long to hold', async () => {
    const { scenario } = await loadScenario('scenarios/concurrent-messages.ts');
    const maxEvents = 80_000;
    const result = runScenario({ ...scenario, maxEvents }, { seed: 1, protocol: flood });
    expect(result.boundHit).toBe('events');
    expect(result.history.events.length).toBeGreaterThan(VIEW_EXPORT_EVENTS_MAX);
    const text = withTerminalViews(formatRun(result, { scenarioArg: 'concurrent-messages' }), result.history, 100);
    expect(text).toContain(`hit its events bound (${maxEvents} events handled)`);
    expect(text).not.toContain('Space-time');
    const metrics = computeMetrics(result.history);
    expect(metrics.inFlightAtEnd).toBeGreaterThan(0);
    expect(metrics.messages.sends).toBeGreaterThan(2 * maxEvents - 10);

    const dir = mkdtempSync(join(tmpdir(), 'tob-lab-flood-'));
    try {
      const written = writeRunReport(result, dir);
      expect(written.skipped.map((file) => file.name)).toEqual(['shiviz.log', 'trace.chrome.json']);
      expect(existsSync(join(dir, 'trace.jsonl'))).toBe(true);
      expect(existsSync(join(dir, 'shiviz.log'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashes a history in chunks to the same digest as its whole JSONL text', async () => {
    const { scenario } = await loadScenario('scenarios/concurrent-messages.ts');
    const result = runScenario({ ...scenario, maxEvents: 20_000 }, { seed: 2, protocol: flood });
    const text = historyToJsonl(result.history);
    expect(text.length).toBeGreaterThan(4 * (1 << 16));
    expect(historyHash(result.history)).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('is searched under a bound of its own, which the saved counterexample keeps', () => {
    const [generated] = fc.sample(caseArbitrary({ protocol: 'sequencer', nodes: 3, faults: ['crash'] }), {
      numRuns: 1,
      seed: 5,
    });
    expect(generated?.scenario.maxEvents).toBe(GENERATED_MAX_EVENTS);
    const source = counterexampleSource({
      scenario: generated!.scenario,
      seed: generated!.seed,
      property: 'eventual-delivery',
      summary: 'missing deliveries',
      foundBy: 'test',
      shrinks: 0,
    });
    expect(source).toContain(`maxEvents: ${GENERATED_MAX_EVENTS},`);
  });
});

describe('a protocol that throws outside its handlers', () => {
  const healthy = (): ProtocolNode => new FloodNode() as ProtocolNode;

  it('is a protocol error in create() (a run stops and says so, no internal error)', async () => {
    const { scenario } = await loadScenario('scenarios/concurrent-messages.ts');
    let created = 0;
    const protocol: ProtocolDefinition = {
      ...flood,
      name: 'bad-create',
      create: () => {
        created += 1;
        if (created === 2) throw new Error('no instance for you');
        return healthy();
      },
    };
    const result = runScenario(scenario, { seed: 1, protocol });
    expect(result.protocolError).toMatch(/protocol bad-create threw in create\(\) for node 2 at 0 ms: no instance/);
    expect(result.exitCode).toBe(1);
  });

  it('is a protocol error in status(), which conditions and leader checks call', async () => {
    // Its first step waits for a leader: the condition asks every node for its status.
    const { scenario } = await loadScenario('scenarios/concurrent-messages.ts');
    const protocol: ProtocolDefinition = {
      ...flood,
      name: 'bad-status',
      create: () => {
        const node = healthy();
        node.status = () => {
          throw new TypeError('status is broken');
        };
        return node;
      },
    };
    const result = runScenario({ ...scenario, maxEvents: 20_000 }, { seed: 1, protocol });
    expect(result.protocolError).toMatch(
      /protocol bad-status threw in status\(\) on node \d at \d+ ms: status is broken/,
    );
  });
});
