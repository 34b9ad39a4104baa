import type { HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { CheckLedger } from './ledger.ts';
import { CHECKERS } from './registry.ts';
import type { Verdict } from './verdict.ts';

/**
 * Every checker fed online, for streaming mode: hand `observe` each event as it is recorded (the simulator's
 * `stream` callback), and ask for `verdicts` at the end. Memory is the ledger's (per submission and per node, see
 * CheckLedger), never the events themselves; the few events a verdict names as evidence are read back by
 * position through `eventAt`, for instance from the history file being written.
 */
export class OnlineCheckers {
  readonly ledger: CheckLedger;
  private readonly acting = new Set<NodeId>();
  private lastNode: NodeId | undefined;
  private lastTimeMs = 0;
  /** Events observed so far. */
  events = 0;

  constructor(nodes: readonly NodeId[]) {
    this.ledger = new CheckLedger(nodes);
    for (const node of nodes) this.acting.add(node);
  }

  readonly observe = (event: HistoryEvent): void => {
    this.events += 1;
    this.lastTimeMs = event.t;
    if ('node' in event && event.node !== this.lastNode) {
      this.lastNode = event.node;
      this.acting.add(event.node);
    }
    this.ledger.observe(event);
  };

  /**
   * Every checker's verdict on the events observed, in the registry's order. Throws when the run broke what the
   * online form relies on (a delivery recorded before its submit, which the simulator never records).
   */
  verdicts(eventAt: (i: number) => HistoryEvent): Verdict[] {
    if (!this.ledger.inOrder)
      throw new Error(
        'online checking needs each submit recorded before any delivery of its id, and this run broke that',
      );
    const end = { nodes: [...this.acting].sort((a, b) => a - b), endMs: this.lastTimeMs, eventAt };
    return CHECKERS.map((checker) => checker.judgeOnline(this.ledger, end));
  }
}
