import type { CrashCut } from '../core/history.ts';
import type { Json } from '../core/json.ts';
import type { Delivery } from '../core/node.ts';

/**
 * A crash inside a handler's commit rather than between handlers. A host commits a handler in one order: its
 * records are appended and synced, then its effects leave in the order the handler made them (sends, one per
 * receiver, deliveries, acks, announcements). `cut` says where the crash falls: "before-sync" (the records never
 * reach the disk and nothing leaves), or a number k (the records are durable and only the first k effects left).
 * The crash waits for the node's next handler, or its next handler that persists a record; it happens after the
 * last effect when the handler has fewer than k. It stays armed until it fires or the liveness phase begins.
 */
export interface CrashPoint {
  handler: 'next' | 'persisting';
  cut: 'before-sync' | number;
}

/**
 * One thing a handler did, captured in order while a crash point or a full disk makes the host commit the handler
 * the way the live host does (src/live/host.ts, `commit`): records first, synced, then the effects.
 */
export type CapturedOp =
  | { kind: 'persist'; record: Json }
  /** Leaves the node and can be seen by others: a send to one receiver, a delivery, an ack, an announcement. */
  | { kind: 'effect'; run: () => void; delivery?: Delivery }
  /** Lives and dies with the process: timers and log lines; never a cut of its own. */
  | { kind: 'volatile'; run: () => void };

export interface CommitHost {
  /** Whether the node's disk refuses writes now. */
  diskFull(): boolean;
  /** Appends and records one synced record. */
  persist(record: Json): void;
  /** A full disk refused the handler's records: the node stops, nothing of the handler leaves. */
  writeFailed(records: number): void;
  crash(during: CrashCut): void;
  /**
   * A delivery synced with the records whose effect the crash cut off. The live host logs each delivery with the
   * handler's records and, at restart, hands the application those it never showed; the simulator does the same.
   */
  owe(delivery: Delivery): void;
}

/**
 * Commits a captured handler. Without a crash point that fires, every op runs in the handler's order, which is
 * exactly what running the handler directly would have done (same history, same random draws, same event order):
 * a scenario without crash points keeps its history hash. Returns whether the crash point fired.
 */
export function commitCaptured(ops: readonly CapturedOp[], point: CrashPoint | null, host: CommitHost): boolean {
  const records: Json[] = [];
  for (const op of ops) if (op.kind === 'persist') records.push(op.record);
  if (records.length > 0 && host.diskFull()) {
    host.writeFailed(records.length);
    return false;
  }
  const fires = point !== null && (point.handler === 'next' || records.length > 0);
  if (!fires) {
    for (const op of ops) {
      if (op.kind === 'persist') host.persist(op.record);
      else op.run();
    }
    return false;
  }
  if (point.cut === 'before-sync') {
    host.crash({ cut: 'before-sync', records: records.length });
    return true;
  }
  for (const record of records) host.persist(record);
  const total = ops.filter((op) => op.kind === 'effect').length;
  let left = 0;
  let cutAt = ops.length;
  for (const [index, op] of ops.entries()) {
    if (op.kind === 'persist') continue;
    if (op.kind === 'effect') {
      if (left === point.cut) {
        cutAt = index;
        break;
      }
      left += 1;
    }
    op.run();
  }
  for (const op of ops.slice(cutAt)) if (op.kind === 'effect' && op.delivery !== undefined) host.owe(op.delivery);
  host.crash({ cut: 'after-sync', effects: left, of: total });
  return true;
}
