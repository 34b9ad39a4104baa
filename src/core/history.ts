import { createHash } from 'node:crypto';
import type { NodeId, SubmissionId } from './ids.ts';
import type { Json, JsonObject } from './json.ts';
import type { Announcement } from './node.ts';

/** Identifies one message instance on the wire, linking its send to its receive (and to its drops and copies). */
export type MessageRef = number | string;

export type DropReason = 'loss' | 'partition' | 'cut' | 'crashed' | 'not-joined' | 'invalid';
export type Phase = 'safety' | 'liveness' | 'end';

/**
 * Where inside a handler a crash fell: before the handler's records were synced (they are lost), or after the sync
 * and after `effects` of its `of` effects had left (sends, one per receiver, deliveries, acks, announcements).
 */
export type CrashCut = { cut: 'before-sync'; records: number } | { cut: 'after-sync'; effects: number; of: number };

/**
 * Storage events: a fault injected into a node's log (tear, corrupt, disk-full, disk-ok), a handler whose records
 * a full disk refused (write-failed: the node stops), and what a restart found (cut-tail: torn records cut off the
 * end; refused: a record elsewhere fails its checksum, so the node does not start).
 */
export type StorageEventKind = 'tear' | 'corrupt' | 'disk-full' | 'disk-ok' | 'write-failed' | 'cut-tail' | 'refused';

interface Base {
  /** Position in the history, from 0. */
  i: number;
  /** Virtual time (simulator) or milliseconds since the cluster started (live), in ms. */
  t: number;
}

export type HistoryEvent = Base &
  (
    | { type: 'submit'; node: NodeId; id: SubmissionId; payload: string }
    | { type: 'send'; node: NodeId; to: NodeId; msg: MessageRef; body: Json }
    | { type: 'duplicate'; node: NodeId; to: NodeId; msg: MessageRef }
    | { type: 'drop'; node: NodeId; to: NodeId; msg: MessageRef; reason: DropReason }
    | { type: 'receive'; node: NodeId; from: NodeId; msg: MessageRef }
    | { type: 'timer'; node: NodeId; name: string }
    | { type: 'persist'; node: NodeId; record: Json }
    | { type: 'deliver'; node: NodeId; id: SubmissionId; origin: NodeId; payload: string; order?: JsonObject }
    | { type: 'ack'; node: NodeId; id: SubmissionId }
    | ({ type: 'announce'; node: NodeId } & Announcement)
    | { type: 'log'; node: NodeId; text: string }
    | { type: 'crash'; node: NodeId; during?: CrashCut }
    | { type: 'storage'; node: NodeId; what: StorageEventKind; index?: number; count?: number }
    | { type: 'restart'; node: NodeId }
    | { type: 'join'; node: NodeId }
    | { type: 'pause'; node: NodeId }
    | { type: 'resume'; node: NodeId }
    | { type: 'partition'; groups: NodeId[][] }
    | { type: 'cut'; from: NodeId; to: NodeId }
    | { type: 'hold'; from: NodeId; to: NodeId }
    | { type: 'release'; from: NodeId; to: NodeId }
    | { type: 'heal' }
    | { type: 'clock'; node: NodeId; driftPpm: number; offsetMs: number }
    | { type: 'network'; change: JsonObject }
    | { type: 'phase'; phase: Phase }
    | { type: 'bound'; bound: 'time' | 'events'; limit: number }
  );

export type HistoryEventType = HistoryEvent['type'];
export type EventOf<Type extends HistoryEventType> = Extract<HistoryEvent, { type: Type }>;

/** A whole run as the checkers see it: the node ids and every recorded step, in order. */
export interface History {
  nodes: NodeId[];
  events: HistoryEvent[];
}

export function eventsOf<Type extends HistoryEventType>(history: History, type: Type): EventOf<Type>[] {
  return history.events.filter((event): event is EventOf<Type> => event.type === type);
}

/** Each node's delivered submission ids, in its delivery order (repeats kept), for every node of the history. */
export function deliveredIdsByNode(history: History): Map<NodeId, SubmissionId[]> {
  const byNode = new Map<NodeId, SubmissionId[]>(history.nodes.map((node) => [node, []]));
  for (const event of history.events) if (event.type === 'deliver') byNode.get(event.node)?.push(event.id);
  return byNode;
}

/** Every submission id, in submit order. */
export function submittedIds(history: History): SubmissionId[] {
  return history.events.flatMap((event) => (event.type === 'submit' ? [event.id] : []));
}

/** One JSON object a line, keys in insertion order, so the same history always gives the same bytes. */
export function historyToJsonl(history: History): string {
  let text = JSON.stringify({ type: 'header', format: 'tob-lab-history/1', nodes: history.nodes }) + '\n';
  for (const event of history.events) text += JSON.stringify(event) + '\n';
  return text;
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function historyHash(history: History): string {
  return hashText(historyToJsonl(history));
}

/** Reads a JSONL history back; throws with the line number on anything that is not one. */
export function parseHistoryJsonl(text: string): History {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error('the history is empty: expected a header line first');
  const header = JSON.parse(lines[0]) as { type?: string; nodes?: NodeId[] };
  if (header.type !== 'header' || !Array.isArray(header.nodes)) {
    throw new Error('line 1 is not a tob-lab history header');
  }
  const events = lines.slice(1).map((line, index) => {
    try {
      return JSON.parse(line) as HistoryEvent;
    } catch {
      throw new Error(`line ${index + 2} is not valid JSON`);
    }
  });
  return { nodes: header.nodes, events };
}
