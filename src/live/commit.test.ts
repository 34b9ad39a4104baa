import { describe, expect, it } from 'vitest';
import type { Json } from '../core/json.ts';
import {
  capturedRecords,
  commitBatch,
  EffectCapture,
  effectKind,
  hostDelivery,
  jsonCopy,
  type BatchLog,
  type Capture,
} from './commit.ts';
import { StorageError, type LogLine } from './storage.ts';

/** A log that writes its calls into the same trace as the effects, so the test sees one order for both. */
function tracingLog(trace: string[], fail: { write?: boolean; sync?: boolean } = {}): BatchLog {
  return {
    write: (lines: readonly LogLine[]) => {
      if (fail.write === true) throw new Error('disk full');
      trace.push(`write ${lines.map((line) => `${line.kind}:${JSON.stringify(line.value)}`).join(' ')}`);
    },
    sync: () => {
      if (fail.sync === true) throw new Error('I/O error');
      trace.push('sync');
    },
  };
}

/** Two handlers, each making every kind of effect in an order unlike the commit order. */
function twoHandlers(trace: string[]): Capture[] {
  const captures = new EffectCapture('protocol test');
  return ['a', 'b'].map((handler) =>
    captures.during(() => {
      captures.effect('log', () => trace.push(`${handler} log`));
      captures.effect('ack', () => trace.push(`${handler} ack`));
      captures.line('deliver', { kind: 'host', value: { deliver: { id: handler, origin: 1, payload: handler } } });
      captures.effect('deliver', () => trace.push(`${handler} deliver`));
      captures.effect('announce', () => trace.push(`${handler} announce`));
      captures.effect('broadcast', () => trace.push(`${handler} broadcast`));
      captures.line('persist', { kind: 'record', value: handler });
      captures.effect('persist', () => trace.push(`${handler} persist`));
      captures.effect('send', () => trace.push(`${handler} send`));
    }),
  );
}

describe('the group commit', () => {
  it('writes and syncs the whole batch once, then lets effects leave by kind, each kind in handler order', () => {
    const trace: string[] = [];
    const failures: unknown[] = [];
    commitBatch(twoHandlers(trace), tracingLog(trace), true, (error) => failures.push(error));
    expect(failures).toEqual([]);
    expect(trace).toEqual([
      'write host:{"deliver":{"id":"a","origin":1,"payload":"a"}} record:"a" ' +
        'host:{"deliver":{"id":"b","origin":1,"payload":"b"}} record:"b"',
      'sync',
      'a persist',
      'b persist',
      'a broadcast',
      'a send',
      'b broadcast',
      'b send',
      'a deliver',
      'b deliver',
      'a ack',
      'b ack',
      'a log',
      'a announce',
      'b log',
      'b announce',
    ]);
  });

  it('skips the sync when told to, and both write and sync when no handler wrote a line', () => {
    const unsynced: string[] = [];
    commitBatch(twoHandlers(unsynced), tracingLog(unsynced), false, () => {});
    expect(unsynced.filter((step) => step === 'sync' || step.startsWith('write'))).toHaveLength(1);
    expect(unsynced[0]).toMatch(/^write /);
    expect(unsynced[1]).toBe('a persist');

    const trace: string[] = [];
    const captures = new EffectCapture('protocol test');
    const batch = [captures.during(() => captures.effect('ack', () => trace.push('ack')))];
    commitBatch(batch, tracingLog(trace), true, () => {});
    expect(trace).toEqual(['ack']);
  });

  it('lets no effect leave when the write or the sync fails, and reports the failure once', () => {
    for (const fail of [{ write: true }, { sync: true }]) {
      const trace: string[] = [];
      const failures: string[] = [];
      commitBatch(twoHandlers(trace), tracingLog(trace, fail), true, (error) =>
        failures.push((error as Error).message),
      );
      expect(failures).toEqual([fail.write === true ? 'disk full' : 'I/O error']);
      expect(trace.filter((step) => !step.startsWith('write'))).toEqual([]);
    }
  });

  it('does nothing for an empty batch', () => {
    const trace: string[] = [];
    commitBatch([], tracingLog(trace), true, () => trace.push('failed'));
    expect(trace).toEqual([]);
  });
});

describe('effect capture', () => {
  it('refuses a context call outside a handler, also after a handler threw', () => {
    const captures = new EffectCapture('protocol test');
    expect(() => captures.effect('send', () => {})).toThrow('protocol test called send outside a handler');
    expect(() =>
      captures.during(() => {
        captures.effect('send', () => {});
        throw new Error('a planted bug');
      }),
    ).toThrow('a planted bug');
    expect(() => captures.line('persist', { kind: 'record', value: 1 })).toThrow(/outside a handler/);
  });

  it('keeps each handler apart and hands back its records in order', () => {
    const captures = new EffectCapture('protocol test');
    const first = captures.during(() => {
      captures.line('persist', { kind: 'record', value: 1 });
      captures.line('deliver', { kind: 'host', value: { deliver: { id: 'x', origin: 1, payload: 'p' } } });
      captures.line('persist', { kind: 'record', value: 2 });
    });
    const second = captures.during(() => captures.effect('ack', () => {}));
    expect(capturedRecords(first)).toEqual([1, 2]);
    expect(second.lines).toEqual([]);
    expect(second.effects.map((effect) => effect.kind)).toEqual(['ack']);
  });

  it('sorts context calls into the kinds of the commit order', () => {
    const kinds = ['persist', 'send', 'broadcast', 'deliver', 'ack', 'announce', 'log'].map(effectKind);
    expect(kinds).toEqual(['persist', 'send', 'send', 'deliver', 'ack', 'other', 'other']);
  });

  it('copies values deeply and refuses what is not JSON data', () => {
    const original = { nested: { list: [1, 2] } };
    const copy = jsonCopy(original, 'a message');
    original.nested.list.push(3);
    expect(copy).toEqual({ nested: { list: [1, 2] } });
    expect(() => jsonCopy(undefined, 'a message')).toThrow('a message is not JSON data');
  });

  it('reads a delivery back from a host line and names a damaged one', () => {
    const delivery = { id: '1-1-1', origin: 1, payload: 'hi' };
    expect(hostDelivery({ deliver: delivery }, 'node-1.log.jsonl', 0)).toEqual(delivery);
    const damaged: Json[] = [null, 7, { deliver: null }, { deliver: { id: 1, payload: 'x' } }, { other: delivery }];
    for (const value of damaged) {
      expect(() => hostDelivery(value, 'node-1.log.jsonl', 4)).toThrow(StorageError);
    }
    expect(() => hostDelivery({}, 'node-1.log.jsonl', 4)).toThrow(
      'node-1.log.jsonl: host line 5 is not a delivery this host writes',
    );
  });
});
