import { invariant } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { CausalMessage } from './messages.ts';
import { isDeliverable, slotOf } from './vector-clock.ts';

export type AddResult = 'buffered' | 'duplicate' | 'full';

/**
 * Messages that arrived before their causal past, keyed by origin and by the origin's own counter in the stamp.
 * Only one message per origin can be next (the one whose own counter is ours + 1), so finding a deliverable one
 * costs one lookup per origin instead of a scan of the whole buffer.
 */
export class CausalBuffer {
  private readonly byOrigin = new Map<NodeId, Map<number, CausalMessage>>();
  private count = 0;

  constructor(readonly limit: number) {
    invariant(Number.isInteger(limit) && limit >= 1, `the causal buffer needs a limit >= 1, got ${limit}`);
  }

  get size(): number {
    return this.count;
  }

  /** Keeps `message` until it is deliverable. A second copy of the same (origin, counter) is a duplicate. */
  add(message: CausalMessage): AddResult {
    const counter = message.vc[slotOf(message.origin)];
    const waiting = this.byOrigin.get(message.origin);
    if (waiting?.has(counter)) return 'duplicate';
    if (this.count >= this.limit) return 'full';
    if (waiting === undefined) this.byOrigin.set(message.origin, new Map([[counter, message]]));
    else waiting.set(counter, message);
    this.count += 1;
    invariant(this.count <= this.limit, 'the causal buffer grew past its limit');
    return 'buffered';
  }

  /**
   * Removes and returns a message deliverable against `clock`, or null when none is. Origins are tried in
   * ascending order, so the choice among concurrent deliverable messages is deterministic.
   */
  takeDeliverable(clock: readonly number[]): CausalMessage | null {
    for (const origin of [...this.byOrigin.keys()].sort((a, b) => a - b)) {
      const waiting = this.byOrigin.get(origin);
      invariant(waiting !== undefined, `origin ${origin} vanished from the buffer`);
      const next = waiting.get(clock[slotOf(origin)] + 1);
      if (next === undefined || !isDeliverable(clock, next.vc, origin)) continue;
      waiting.delete(clock[slotOf(origin)] + 1);
      if (waiting.size === 0) this.byOrigin.delete(origin);
      this.count -= 1;
      return next;
    }
    return null;
  }

  /** How many messages wait, per origin, for the status screen. */
  waitingByOrigin(): Record<string, number> {
    const summary: Record<string, number> = {};
    for (const [origin, waiting] of this.byOrigin) summary[String(origin)] = waiting.size;
    return summary;
  }
}
