import { invariant } from '../core/assert.ts';
import type { Json } from '../core/json.ts';
import type { Delivery } from '../core/node.ts';
import { StorageError, type LogLine } from './storage.ts';

/**
 * The commit order: after a batch's records are synced, its effects leave by kind, in this order, and within a
 * kind in the order the handlers made them. The history notes of the records come first, then messages, then
 * deliveries, then acks, then announcements and log lines.
 */
export const EFFECT_ORDER = ['persist', 'send', 'deliver', 'ack', 'other'] as const;
export type EffectKind = (typeof EFFECT_ORDER)[number];

/** What one handler did, held back until its records are on disk. */
export interface Capture {
  /** Its records, and a host line for each delivery (so a crash before the delivery is shown cannot lose it). */
  lines: LogLine[];
  effects: Array<{ kind: EffectKind; run: () => void }>;
}

/** A host line of the log: a delivery, persisted with the records of the handler that made it. */
export type HostLine = { deliver: Delivery };

/** Where a batch's lines go: the durable log (DurableLog), or a fake in a test. */
export interface BatchLog {
  write(lines: readonly LogLine[]): void;
  sync(): void;
}

/** The kind of effect a context call makes: the name of the call, with broadcast a send and the rest 'other'. */
export function effectKind(what: string): EffectKind {
  if (what === 'persist' || what === 'deliver' || what === 'ack') return what;
  return what === 'send' || what === 'broadcast' ? 'send' : 'other';
}

/** A deep copy through JSON: what a peer would get, and proof that the value is plain data. */
export function jsonCopy<T>(value: T, what: string): T {
  const text = JSON.stringify(value);
  invariant(text !== undefined, `${what} is not JSON data`);
  return JSON.parse(text) as T;
}

/** The delivery a host line holds; anything else there is damage the checksum missed (or a foreign file). */
export function hostDelivery(value: Json, path: string, index: number): Delivery {
  const delivery = (value as Partial<HostLine> | null)?.deliver;
  if (
    delivery === null ||
    typeof delivery !== 'object' ||
    typeof delivery.id !== 'string' ||
    typeof delivery.payload !== 'string'
  ) {
    throw new StorageError(`${path}: host line ${index + 1} is not a delivery this host writes`);
  }
  return delivery;
}

/** The records a handler persisted, in order: what a rebuilt instance recovers from. */
export function capturedRecords(capture: Capture): Json[] {
  return capture.lines.filter((line) => line.kind === 'record').map((line) => line.value);
}

/**
 * Holds what the running handler asks of its context: lines for the log and effects for later. Outside a handler
 * there is nothing to hold them in, and a protocol that calls its context then (from a promise, say) is a bug.
 */
export class EffectCapture {
  private current: Capture | null = null;

  /** `owner` names the protocol in the message for a call made outside a handler. */
  constructor(private readonly owner: string) {}

  /** Runs one handler with capture on; returns what it did, or throws what it threw (capture off either way). */
  during(handler: () => void): Capture {
    invariant(this.current === null, `${this.owner}: a handler started inside another`);
    const capture: Capture = { lines: [], effects: [] };
    this.current = capture;
    try {
      handler();
    } finally {
      this.current = null;
    }
    return capture;
  }

  /** An effect of context call `what`, run at commit time in its kind's turn. */
  effect(what: string, run: () => void): void {
    this.captured(what).effects.push({ kind: effectKind(what), run });
  }

  /** A line for the log, written and synced with the batch before any effect leaves. */
  line(what: string, line: LogLine): void {
    this.captured(what).lines.push(line);
  }

  private captured(what: string): Capture {
    invariant(this.current !== null, `${this.owner} called ${what} outside a handler`);
    return this.current;
  }
}

/**
 * Group commit of one batch: every handler's lines in one write and one sync (skipped when there are none), and
 * only then their effects, by kind in EFFECT_ORDER, each kind in the order the handlers made them. If the log
 * fails, `onLogFailure` hears it and no effect of the batch runs: nothing that depends on the lost lines leaves.
 */
export function commitBatch(
  batch: readonly Capture[],
  log: BatchLog,
  syncLog: boolean,
  onLogFailure: (error: unknown) => void,
): void {
  if (batch.length === 0) return;
  const lines = batch.flatMap((capture) => capture.lines);
  if (lines.length > 0) {
    try {
      log.write(lines);
      if (syncLog) log.sync();
    } catch (error) {
      onLogFailure(error);
      return;
    }
  }
  for (const kind of EFFECT_ORDER) {
    for (const capture of batch) for (const effect of capture.effects) if (effect.kind === kind) effect.run();
  }
}
