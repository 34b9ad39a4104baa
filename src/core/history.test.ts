import { describe, expect, it } from 'vitest';
import { stampEvent, type UnstampedEvent } from './history.ts';

describe('stampEvent', () => {
  it('puts i and t after the fields, in the order JSON has always shown them', () => {
    const sent = stampEvent({ type: 'send', node: 1, to: 2, msg: 7, body: { type: 'x' } }, 3, 12.5);
    expect(JSON.stringify(sent)).toBe('{"type":"send","node":1,"to":2,"msg":7,"body":{"type":"x"},"i":3,"t":12.5}');
    const heal = stampEvent({ type: 'heal' }, 4, 13);
    expect(JSON.stringify(heal)).toBe('{"type":"heal","i":4,"t":13}');
    const delivered = stampEvent(
      { type: 'deliver', node: 2, payload: 'p', origin: 1, id: 's1' } as UnstampedEvent,
      5,
      14,
    );
    expect(Object.keys(delivered)).toEqual(['type', 'node', 'id', 'origin', 'payload', 'i', 't']);
  });

  it('in strict mode, throws when a rebuilt event would lose a field its recorder gave', () => {
    const widened = { type: 'persist', node: 1, record: {}, durable: true } as unknown as UnstampedEvent;
    expect(() => stampEvent(widened, 0, 0, true)).toThrow(/persist event with fields .*durable.*update stampEvent/);
    expect(() => stampEvent(widened, 0, 0, false)).not.toThrow();
  });
});
