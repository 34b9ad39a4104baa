import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../core/history.ts';
import { mergeHistories } from './histories.ts';
import { temporaryDirectory } from '../../test/support/live.ts';

function historyFile(dir: string, node: number, events: object[], tail = ''): string {
  const path = join(dir, `node-${node}.history.jsonl`);
  const header = { type: 'header', format: 'tob-lab-live-history/1', node, nodes: [1, 2] };
  writeFileSync(path, [header, ...events].map((event) => JSON.stringify(event) + '\n').join('') + tail);
  return path;
}

describe('mergeHistories', () => {
  const dir = temporaryDirectory();
  const one = historyFile(
    dir,
    1,
    [
      { type: 'announce', node: 1, role: 'peer', i: 0, t: 50 },
      { type: 'receive', node: 1, from: 2, msg: '2:1:1', i: 1, t: 100 },
      { type: 'deliver', node: 1, id: '2-1-1', origin: 2, payload: 'x', i: 2, t: 100 },
    ],
    '{"type":"log","node":1,"te', // torn: skipped
  );
  const two = historyFile(dir, 2, [
    { type: 'submit', node: 2, id: '2-1-1', payload: 'x', i: 0, t: 90 },
    { type: 'send', node: 2, to: 1, msg: '2:1:1', body: {}, i: 1, t: 100 },
    { type: 'log', node: 2, text: 'later', i: 2, t: 100 },
  ]);

  it('orders by time, then node, renumbers i and takes the nodes from the files', () => {
    const history = mergeHistories([two, one]);
    expect(history.nodes).toEqual([1, 2]);
    expect(history.events.map((event) => event.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(history.events.map((event) => `${event.type}@${event.t}`)).toEqual([
      'announce@50',
      'submit@90',
      'send@100',
      'receive@100',
      'deliver@100',
      'log@100',
    ]);
  });

  it('puts a receive after its send even when the receiver sorts first, keeping each node in its own order', () => {
    const events = mergeHistories([one, two]).events;
    const at = (type: string) => events.findIndex((event) => event.type === type);
    expect(at('send')).toBeLessThan(at('receive'));
    expect(at('receive')).toBeLessThan(at('deliver'));
  });

  it("merges a caller's own events (a launcher's phases) by time", () => {
    const phase = { type: 'phase', phase: 'liveness', i: 0, t: 95 } as HistoryEvent;
    const events = mergeHistories([one, two], [phase]).events;
    expect(events.map((event) => event.type)).toEqual([
      'announce',
      'submit',
      'phase',
      'send',
      'receive',
      'deliver',
      'log',
    ]);
  });

  it('names the file and line of a damaged line instead of skipping it', () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"type":"header","node":3,"nodes":[3]}\nnot json\n{"type":"log","node":3,"text":"x","i":0,"t":1}\n',
    );
    expect(() => mergeHistories([bad])).toThrow(/bad\.jsonl: line 2 is not valid JSON/);
  });
});
