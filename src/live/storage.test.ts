import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryFile } from './history-file.ts';
import { DurableLog, readBootState, StorageError, writeBootState } from './storage.ts';
import { temporaryDirectory } from '../../test/support/live.ts';

const records = [{ kind: 'term', term: 1 }, { kind: 'entry', seq: 1, payload: 'héllo\nworld' }, [1, 'two', null]];

function logWith(lines: readonly unknown[]): { path: string; bytes: number } {
  const path = join(temporaryDirectory(), 'node-1.log.jsonl');
  const { log } = DurableLog.open(path);
  log.append(lines as never[]);
  log.close();
  return { path, bytes: statSync(path).size };
}

describe('the durable log', () => {
  it('gives back every appended record, in order, one JSON line each', () => {
    const { path } = logWith(records);
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(records.length + 1);
    const { log, recovery } = DurableLog.open(path);
    log.close();
    expect(recovery).toEqual({ records, cutBytes: 0, note: null });
  });

  it('cuts a torn last line (a crash mid-write), keeps every complete record, and appends after them', () => {
    const { path, bytes } = logWith(records);
    appendFileSync(path, '{"kind":"entry","seq":2,"pay');
    const { log, recovery } = DurableLog.open(path);
    expect(recovery.records).toEqual(records);
    expect(recovery.cutBytes).toBe('{"kind":"entry","seq":2,"pay'.length);
    expect(recovery.note).toMatch(/cut 28 bytes of a torn last record .* recovered 3 records/);
    expect(statSync(path).size).toBe(bytes);
    log.append([{ after: 'restart' }]);
    log.close();
    expect(DurableLog.open(path).recovery.records).toEqual([...records, { after: 'restart' }]);
  });

  it('cuts a last line that ended but is garbled (a page that never reached the disk)', () => {
    const { path, bytes } = logWith(records);
    appendFileSync(path, Buffer.from([0, 0, 0, 0x0a]));
    const { log, recovery } = DurableLog.open(path);
    log.close();
    expect(recovery.records).toEqual(records);
    expect(statSync(path).size).toBe(bytes);
  });

  it('refuses to cut damage in the middle of the log: that would lose durable records', () => {
    const { path } = logWith(records);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = '{"broken":';
    writeFileSync(path, lines.join('\n'));
    expect(() => DurableLog.open(path)).toThrow(StorageError);
    expect(() => DurableLog.open(path)).toThrow(/line 2 is not a JSON record, yet 1 lines follow it/);
  });
});

describe('the boot state', () => {
  it('counts boots and remembers whether the last run stopped cleanly', () => {
    const path = join(temporaryDirectory(), 'node-1.boot');
    expect(readBootState(path)).toBeNull();
    writeBootState(path, { boot: 1, protocol: 'sequencer', running: true });
    expect(readBootState(path)).toEqual({ boot: 1, protocol: 'sequencer', running: true });
    writeBootState(path, { boot: 2, protocol: 'sequencer', running: false });
    expect(readBootState(path)).toEqual({ boot: 2, protocol: 'sequencer', running: false });
  });

  it('says how to recover from a damaged boot file', () => {
    const path = join(temporaryDirectory(), 'node-1.boot');
    writeFileSync(path, '{"boot":');
    expect(() => readBootState(path)).toThrow(/not the JSON this node writes; move it away/);
    writeFileSync(path, '{"boot":0,"protocol":"x"}');
    expect(() => readBootState(path)).toThrow(/does not hold a boot counter/);
  });
});

describe('the history file', () => {
  it('writes a header, numbers events on across reopenings and remembers when it was last written', () => {
    const path = join(temporaryDirectory(), 'node-2.history.jsonl');
    const first = new HistoryFile(path, 2, [1, 2, 3]);
    expect(first.previousLastMs).toBeNull();
    first.record({ type: 'log', node: 2, text: 'a' });
    const last = first.record({ type: 'log', node: 2, text: 'b' }, 1234);
    first.close();
    expect(last).toMatchObject({ i: 1, t: 1234 });
    appendFileSync(path, '{"type":"log","node":2,"te'); // torn by a machine crash
    const second = new HistoryFile(path, 2, [1, 2, 3]);
    expect(second.previousLastMs).toBe(1234);
    expect(second.record({ type: 'log', node: 2, text: 'c' }).i).toBe(2);
    second.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ type: 'header', format: 'tob-lab-live-history/1', node: 2, nodes: [1, 2, 3] });
    expect(lines.slice(1).map((event) => event.text)).toEqual(['a', 'b', 'c']);
  });
});
