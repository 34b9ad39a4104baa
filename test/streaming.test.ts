import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OnlineCheckers } from '../src/check/online.ts';
import { runCheckers } from '../src/check/registry.ts';
import { historyIndex, historyToJsonl, type HistoryEvent } from '../src/core/history.ts';
import { HistoryFileWriter } from '../src/core/history-stream.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { Simulator } from '../src/sim/simulator.ts';
import type { ProtocolDefinition } from '../src/core/node.ts';
import { redeliversLogAfterRestart } from './mutants/sequencer-mutants.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A run with lossy, duplicating links, a crash and a restart, then a liveness phase: every checker has work. */
function drive(protocol: ProtocolDefinition, stream?: (event: HistoryEvent) => void, streamOnly = false): Simulator {
  const sim = new Simulator({
    seed: 5,
    protocol,
    nodeCount: 4,
    network: { lossRate: 0.05, duplicateRate: 0.05 },
    stream,
    streamOnly,
  });
  sim.start();
  for (let step = 1; step <= 40; step += 1) {
    sim.runUntil(step * 50);
    sim.submit((step % 4) + 1, `m${step}`);
    if (step === 12) sim.crash(3);
    if (step === 25) sim.restart(3);
  }
  sim.beginLiveness();
  sim.runUntil(20_000);
  sim.finish();
  return sim;
}

describe('streaming mode', () => {
  it.each(PROTOCOLS.map((protocol) => [protocol.name, protocol] as const))(
    '%s: the file holds the in-memory history byte for byte, and the checkers give the same verdicts',
    (_name, protocol) => {
      const directory = mkdtempSync(join(tmpdir(), 'tob-lab-stream-test-'));
      directories.push(directory);
      const file = join(directory, 'history.jsonl');
      const inMemory = drive(protocol);
      const writer = new HistoryFileWriter(file, inMemory.nodes);
      const streamed = drive(protocol, writer.write);
      writer.close();
      expect(readFileSync(file, 'utf8')).toBe(historyToJsonl(inMemory.history));
      // Streaming keeps only what checkers read, and they find the same.
      expect(streamed.history.events.length).toBeLessThan(inMemory.history.events.length);
      expect(runCheckers(streamed.history)).toEqual(runCheckers(inMemory.history));
      // What it keeps (deliveries in columns) reads back as the in-memory history's indexed events, positions too.
      const kept = streamed.history.events.map((event) => JSON.stringify(event));
      expect(kept).toEqual(historyIndex(inMemory.history).events.map((event) => JSON.stringify(event)));
      expect(kept.length).toBeGreaterThan(0);
    },
  );

  it.each([...PROTOCOLS, redeliversLogAfterRestart].map((protocol) => [protocol.name, protocol] as const))(
    '%s: checkers fed online keep no event in memory and give the verdicts of the whole history, evidence read back from the file',
    (_name, protocol) => {
      const directory = mkdtempSync(join(tmpdir(), 'tob-lab-stream-test-'));
      directories.push(directory);
      const inMemory = drive(protocol);
      const writer = new HistoryFileWriter(join(directory, 'history.jsonl'), inMemory.nodes);
      const online = new OnlineCheckers(inMemory.nodes);
      const streamed = drive(
        protocol,
        (event) => {
          writer.write(event);
          online.observe(event);
        },
        true,
      );
      expect(streamed.history.events).toHaveLength(0);
      const verdicts = online.verdicts((i) => writer.eventAt(i));
      writer.close();
      expect(verdicts).toEqual(runCheckers(inMemory.history));
      const all = inMemory.history.events;
      for (const i of [0, 1, 4095, 4096, 4097, all.length - 1].filter((k) => k < all.length))
        expect(JSON.stringify(writer.eventAt(i))).toBe(JSON.stringify(all[i]));
      expect(() => writer.eventAt(all.length)).toThrow(/no event at position/);
    },
  );

  it('a mutant that redelivers after a restart is caught online, with the same evidence as the batch checker', () => {
    const inMemory = drive(redeliversLogAfterRestart);
    const verdict = runCheckers(inMemory.history).find((candidate) => candidate.checker === 'exactly-once');
    expect(verdict?.status).toBe('fail');
    expect(verdict?.evidence.length).toBeGreaterThan(1);
  });

  it('refuses events after the file is closed', () => {
    const directory = mkdtempSync(join(tmpdir(), 'tob-lab-stream-test-'));
    directories.push(directory);
    const writer = new HistoryFileWriter(join(directory, 'history.jsonl'), [1]);
    writer.close();
    expect(() => writer.write({ type: 'heal', i: 0, t: 0 })).toThrow(/closed/);
  });
});
