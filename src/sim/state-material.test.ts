import { describe, expect, it } from 'vitest';
import { instanceMaterial } from './state-material.ts';

class Node {
  count = 1;
  readonly seen = new Map<number, string>([
    [2, 'b'],
    [1, 'a'],
  ]);
  readonly ids = new Set(['x']);
  self: unknown = this;
  act = () => this.count;
}

describe('instance material for state fingerprints', () => {
  it('walks fields, maps and sets in their order, marks cycles, ignores functions', () => {
    expect(instanceMaterial(new Node())).toEqual([
      'Node',
      'count',
      1,
      'seen',
      {
        map: [
          [2, 'b'],
          [1, 'a'],
        ],
      },
      'ids',
      { set: ['x'] },
      'self',
      { ref: 0 },
      'act',
      null,
    ]);
  });

  it('tells apart states that differ in a map’s order (a protocol may iterate it) and merges equal ones', () => {
    const a = new Node();
    const b = new Node();
    expect(JSON.stringify(instanceMaterial(a))).toBe(JSON.stringify(instanceMaterial(b)));
    b.seen.delete(2);
    b.seen.set(2, 'b');
    expect(JSON.stringify(instanceMaterial(a))).not.toBe(JSON.stringify(instanceMaterial(b)));
  });

  it('uses the node’s own snapshot() when it has one', () => {
    expect(instanceMaterial({ hidden: 1, snapshot: () => ({ state: 'mine' }) })).toEqual({ state: 'mine' });
  });
});
