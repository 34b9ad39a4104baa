import type { CrashCut } from '../core/history.ts';
import type { Json } from '../core/json.ts';
import type { Delivery } from '../core/node.ts';

/**
 * A crash inside a commit rather than between handlers. The live host (src/live/commit.ts, `commitBatch`) commits
 * a batch of handlers at once: every record of the batch is written and synced together, then the batch's effects
 * leave by kind (sends, one per receiver; deliveries; acks; announcements), each kind in the order the handlers
 * made them. `cut` says where the crash falls in that order: "before-sync" (no record of the batch reaches the disk
 * and nothing leaves), or a number k (the records are durable and only the first k effects left; after the last
 * effect when there are fewer). The crash waits for the node's next batch, or its next batch that persists a
 * record, and stays armed until it fires or the liveness phase begins.
 */
export interface CrashPoint {
  handler: 'next' | 'persisting';
  cut: 'before-sync' | number;
  /** Absent: the batch is one handler. Otherwise the group commit the crash falls into (see BatchWindow). */
  batch?: BatchWindow;
}

/**
 * A group commit of several handlers. Live, work that reaches a node while its previous batch syncs waits and
 * runs as the next batch, under one sync; the simulator's handlers take no time, so a window stands for that
 * sync: the batch opens at the node's next handler and takes the node's handlers of the next `windowMs`, up to
 * `handlers` of them. Their effects wait for the batch's commit, as they wait for the sync live. A timer armed
 * inside the batch cannot join it (live, it fires after the batch committed): it closes the batch first.
 */
export interface BatchWindow {
  /** 2..256 (the live host's batchHandlersMax). */
  handlers: number;
  /** > 0: how long the sync the batch waits for takes. */
  windowMs: number;
}

/** The live host's batchHandlersMax: a batch holds at most this many handlers. */
export const BATCH_HANDLERS_MAX = 256;

/** The order in which a committed batch's effects leave the live host (src/live/commit.ts, EFFECT_ORDER). */
export const EFFECT_KINDS = ['send', 'deliver', 'ack', 'other'] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/**
 * One thing a handler did, captured in order while a crash point or a full disk makes the host commit the handler
 * the way the live host does: records first, synced, then the effects.
 */
export type CapturedOp =
  | { kind: 'persist'; record: Json }
  /** Leaves the node and can be seen by others: a send to one receiver, a delivery, an ack, an announcement. */
  | { kind: 'effect'; effect: EffectKind; run: () => void; delivery?: Delivery }
  /** Lives and dies with the process: timers and log lines; never a cut of its own. */
  | { kind: 'volatile'; run: () => void };

type EffectOp = Extract<CapturedOp, { kind: 'effect' }>;

export interface CommitHost {
  /** Whether the node's disk refuses writes now. */
  diskFull(): boolean;
  /** Appends and records one synced record. */
  persist(record: Json): void;
  /** A full disk refused the batch's records: the node stops, nothing of the batch leaves. */
  writeFailed(records: number): void;
  crash(during: CrashCut): void;
  /**
   * A delivery synced with the records whose effect the crash cut off. The live host logs each delivery with the
   * handler's records and, at restart, hands the application those it never showed; the simulator does the same.
   */
  owe(delivery: Delivery): void;
}

/**
 * Commits a captured batch (one handler's ops, or several handlers' in the order they ran). Without a crash point
 * that fires, every op runs in the order the handlers made it, which for one handler is exactly what running it
 * directly would have done (same history, same random draws, same event order): a scenario without crash points
 * keeps its history hash. Returns whether the crash point fired.
 */
export function commitCaptured(
  batch: readonly (readonly CapturedOp[])[],
  point: CrashPoint | null,
  host: CommitHost,
): boolean {
  const records: Json[] = [];
  for (const ops of batch) for (const op of ops) if (op.kind === 'persist') records.push(op.record);
  if (records.length > 0 && host.diskFull()) {
    host.writeFailed(records.length);
    return false;
  }
  const fires = point !== null && (point.handler === 'next' || records.length > 0);
  if (!fires) {
    for (const ops of batch) {
      for (const op of ops) {
        if (op.kind === 'persist') host.persist(op.record);
        else op.run();
      }
    }
    return false;
  }
  const handlers = batch.length > 1 ? { handlers: batch.length } : {};
  if (point.cut === 'before-sync') {
    host.crash({ cut: 'before-sync', records: records.length, ...handlers });
    return true;
  }
  for (const record of records) host.persist(record);
  // After the sync the live host lets the batch's effects leave by kind (sends, deliveries, acks, the rest), each
  // kind in the handlers' order; a kill -9 falls after any prefix of that order, so the cut counts effects in it.
  // Timers and log lines die with the process: they are volatile and never a cut of their own.
  for (const ops of batch) for (const op of ops) if (op.kind === 'volatile') op.run();
  const effects: EffectOp[] = [];
  for (const kind of EFFECT_KINDS) {
    for (const ops of batch) for (const op of ops) if (op.kind === 'effect' && op.effect === kind) effects.push(op);
  }
  const left = Math.min(point.cut, effects.length);
  for (const op of effects.slice(0, left)) op.run();
  for (const op of effects.slice(left)) if (op.delivery !== undefined) host.owe(op.delivery);
  host.crash({ cut: 'after-sync', effects: left, of: effects.length, ...handlers });
  return true;
}

/** Why a crash point is not one the simulator can carry out, or null when it is. */
export function crashPointProblem(point: CrashPoint): string | null {
  if (point.handler !== 'next' && point.handler !== 'persisting')
    return 'during.handler must be "next" or "persisting"';
  const cutOk = point.cut === 'before-sync' || (Number.isInteger(point.cut) && point.cut >= 0);
  if (!cutOk) return 'during.cut must be "before-sync" or a whole number of effects >= 0';
  if (point.batch === undefined) return null;
  const { handlers, windowMs } = point.batch as Partial<BatchWindow>;
  if (typeof handlers !== 'number' || !Number.isInteger(handlers) || handlers < 2 || handlers > BATCH_HANDLERS_MAX)
    return `during.batch.handlers must be a whole number from 2 to ${BATCH_HANDLERS_MAX}`;
  if (typeof windowMs !== 'number' || !Number.isFinite(windowMs) || windowMs <= 0)
    return 'during.batch.windowMs must be a number of ms > 0';
  return null;
}
