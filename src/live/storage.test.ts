import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../core/json.ts';
import { HistoryFile } from './history-file.ts';
import { DurableLog, encodeLogLine, readBootState, StorageError, writeBootState, type LogLine } from './storage.ts';
import { temporaryDirectory } from '../../test/support/live.ts';

const values: Json[] = [
  { kind: 'term', term: 1 },
  { kind: 'entry', seq: 1, payload: 'héllo\nworld' },
  [1, 'two', null],
];
const records: LogLine[] = values.map((value) => ({ kind: 'record', value }));

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
    expect(recovery).toEqual({ lines: records, cutBytes: 0, note: null });
  });

  it('cuts a torn last line (a crash mid-write), keeps every complete record, and appends after them', () => {
    const { path, bytes } = logWith(records);
    appendFileSync(path, '{"record":{"kind":"entry","seq":2,"pay');
    const { log, recovery } = DurableLog.open(path);
    expect(recovery.lines).toEqual(records);
    expect(recovery.cutBytes).toBe('{"record":{"kind":"entry","seq":2,"pay'.length);
    expect(recovery.note).toMatch(/cut 38 bytes of a torn last record .* recovered 3 records/);
    expect(statSync(path).size).toBe(bytes);
    const after: LogLine = { kind: 'host', value: { after: 'restart' } };
    log.append([after]);
    log.close();
    expect(DurableLog.open(path).recovery.lines).toEqual([...records, after]);
  });

  it('cuts a last line that ended but is garbled (a page that never reached the disk)', () => {
    const { path, bytes } = logWith(records);
    appendFileSync(path, Buffer.from([0, 0, 0, 0x0a]));
    const { log, recovery } = DurableLog.open(path);
    log.close();
    expect(recovery.lines).toEqual(records);
    expect(statSync(path).size).toBe(bytes);
  });

  it('cuts a last line whose checksum fails (I), and says so', () => {
    const { path, bytes } = logWith(records);
    appendFileSync(
      path,
      encodeLogLine({ kind: 'record', value: { kind: 'entry', payload: 'abc' } }).replace('abc', 'abd') + '\n',
    );
    const { log, recovery } = DurableLog.open(path);
    log.close();
    expect(recovery.lines).toEqual(records);
    expect(recovery.note).toMatch(/cut \d+ bytes of a torn last record/);
    expect(statSync(path).size).toBe(bytes);
  });

  it('finds one flipped letter in the middle of the log and names the record (I)', () => {
    const { path } = logWith(records);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('héllo', 'hallo'));
    expect(() => DurableLog.open(path)).toThrow(
      /record 2 \(line 2, bytes \d+-\d+\) fails its checksum or is not a record, yet 1 records follow it/,
    );
    expect(readFileSync(path, 'utf8')).toBe(text.replace('héllo', 'hallo')); // nothing cut
  });

  it('refuses to cut a bad last record that the boot file says was synced: damage, not a torn write', () => {
    const { path } = logWith(records);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"two"', '"twx"'));
    expect(() => DurableLog.open(path, 3)).toThrow(
      /record 3 .* fails its checksum or is not a record, yet 3 records were synced/,
    );
    expect(readFileSync(path, 'utf8')).toBe(text.replace('"two"', '"twx"'));
  });

  it('creates its file readable and writable by its owner only', () => {
    const { path } = logWith(records);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses to cut damage in the middle of the log: that would lose durable records', () => {
    const { path } = logWith(records);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = '{"broken":';
    writeFileSync(path, lines.join('\n'));
    expect(() => DurableLog.open(path)).toThrow(StorageError);
    expect(() => DurableLog.open(path)).toThrow(
      /record 2 .* fails its checksum or is not a record, yet 1 records follow it/,
    );
  });
});

describe('the boot state', () => {
  it('counts boots and remembers whether the last run stopped cleanly', () => {
    const path = join(temporaryDirectory(), 'node-1.boot');
    expect(readBootState(path)).toBeNull();
    writeBootState(path, { boot: 1, protocol: 'sequencer', running: true, logLines: 0 });
    expect(readBootState(path)).toEqual({ boot: 1, protocol: 'sequencer', running: true, logLines: 0 });
    writeBootState(path, { boot: 2, protocol: 'sequencer', running: false, logLines: 7 });
    expect(readBootState(path)).toEqual({ boot: 2, protocol: 'sequencer', running: false, logLines: 7 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
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
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({ type: 'header', format: 'tob-lab-live-history/1', node: 2, nodes: [1, 2, 3] });
    expect(lines.slice(1).map((event) => event.text)).toEqual(['a', 'b', 'c']);
  });
});
