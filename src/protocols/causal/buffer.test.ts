import { describe, expect, it } from 'vitest';
import { CausalBuffer } from './buffer.ts';
import type { CausalMessage } from './messages.ts';

function chat(id: string, origin: number, vc: number[]): CausalMessage {
  return { type: 'CHAT', id, origin, payload: id, vc };
}

describe('the causal buffer', () => {
  it('gives back nothing until a message is deliverable, then each in causal order', () => {
    const buffer = new CausalBuffer(10);
    expect(buffer.add(chat('hey', 3, [1, 1, 1]))).toBe('buffered');
    expect(buffer.add(chat('hi', 2, [1, 1, 0]))).toBe('buffered');
    expect(buffer.takeDeliverable([0, 0, 0])).toBeNull();
    expect(buffer.add(chat('hello', 1, [1, 0, 0]))).toBe('buffered');
    expect(buffer.size).toBe(3);
    expect(buffer.takeDeliverable([0, 0, 0])?.id).toBe('hello');
    expect(buffer.takeDeliverable([1, 0, 0])?.id).toBe('hi');
    expect(buffer.takeDeliverable([1, 1, 0])?.id).toBe('hey');
    expect(buffer.size).toBe(0);
    expect(buffer.takeDeliverable([1, 1, 1])).toBeNull();
  });

  it('waits for the earlier messages of the same origin', () => {
    const buffer = new CausalBuffer(10);
    buffer.add(chat('second', 1, [2, 0]));
    expect(buffer.takeDeliverable([0, 0])).toBeNull();
    buffer.add(chat('first', 1, [1, 0]));
    expect(buffer.takeDeliverable([0, 0])?.id).toBe('first');
    expect(buffer.takeDeliverable([1, 0])?.id).toBe('second');
  });

  it('picks among concurrent deliverable messages by ascending origin', () => {
    const buffer = new CausalBuffer(10);
    buffer.add(chat('from-2', 2, [0, 1, 0]));
    buffer.add(chat('from-1', 1, [1, 0, 0]));
    expect(buffer.takeDeliverable([0, 0, 0])?.id).toBe('from-1');
  });

  it('recognises a second copy and refuses to grow past its limit', () => {
    const buffer = new CausalBuffer(2);
    expect(buffer.add(chat('a', 1, [2, 0]))).toBe('buffered');
    expect(buffer.add(chat('a', 1, [2, 0]))).toBe('duplicate');
    expect(buffer.add(chat('b', 1, [3, 0]))).toBe('buffered');
    expect(buffer.add(chat('c', 2, [0, 1]))).toBe('full');
    expect(buffer.size).toBe(2);
    expect(buffer.waitingByOrigin()).toEqual({ '1': 2 });
  });
});
