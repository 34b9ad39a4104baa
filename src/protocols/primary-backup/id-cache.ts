import { invariant } from '../../core/assert.ts';

/**
 * The seed's "cache de IDs processados" with its documented bound (MSG_ID_CACHE_SIZE = 10000): once full, the
 * id remembered longest ago is forgotten, so a very old duplicate would no longer be recognised.
 */
export class IdCache {
  private readonly ids = new Set<string>();

  constructor(readonly limit: number) {
    invariant(Number.isInteger(limit) && limit >= 1, `an id cache needs a limit >= 1, got ${limit}`);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size <= this.limit) return;
    // Sets iterate in insertion order: the first id is the one remembered longest ago.
    const oldest = this.ids.values().next();
    if (!oldest.done) this.ids.delete(oldest.value);
    invariant(this.ids.size <= this.limit, 'the id cache grew past its limit');
  }
}
