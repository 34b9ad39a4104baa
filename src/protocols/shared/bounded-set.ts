import { invariant } from '../../core/assert.ts';

/**
 * A set that forgets its oldest members once it holds `limit` of them, so a node that runs for days keeps a
 * bounded memory of the ids it has seen. Forgetting is the price: an id older than `limit` newer ones is no
 * longer recognised.
 */
export class BoundedSet<T> {
  private readonly members = new Set<T>();

  constructor(readonly limit: number) {
    invariant(Number.isInteger(limit) && limit >= 1, `a bounded set needs a limit >= 1, got ${limit}`);
  }

  get size(): number {
    return this.members.size;
  }

  has(value: T): boolean {
    return this.members.has(value);
  }

  add(value: T): void {
    if (this.members.has(value)) return;
    this.members.add(value);
    if (this.members.size > this.limit) {
      // A Set iterates in insertion order, so the first member is the oldest.
      const oldest = this.members.values().next().value as T;
      this.members.delete(oldest);
    }
    invariant(this.members.size <= this.limit, 'a bounded set grew past its limit');
  }
}
