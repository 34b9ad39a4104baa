import { readFileSync } from 'node:fs';
import type { History, HistoryEvent, MessageRef } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { isNodeId } from '../core/ids.ts';

/** One node's history file, parsed: its node id (from the header, else from its events) and its events in order. */
export interface NodeHistory {
  file: string;
  node: NodeId | null;
  events: HistoryEvent[];
}

/**
 * Reads DIR/node-<id>.history.jsonl. A torn last line (the machine died mid-write) is skipped; any other line
 * that is not JSON is an error naming the file and line, since silently skipping it could hide a delivery.
 */
export function readNodeHistory(file: string): NodeHistory {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // '' when the file ends with a newline, else an unfinished (torn) line.
  let node: NodeId | null = null;
  const events: HistoryEvent[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let value: { type?: unknown; node?: unknown };
    try {
      value = JSON.parse(line) as { type?: unknown; node?: unknown };
    } catch {
      throw new Error(`${file}: line ${index + 1} is not valid JSON`);
    }
    if (value === null || typeof value !== 'object')
      throw new Error(`${file}: line ${index + 1} is not a history event`);
    if (value.type === 'header') {
      if (isNodeId(value.node)) node = value.node;
      return;
    }
    events.push(value as HistoryEvent);
  });
  if (node === null) {
    const first = events.find((event) => 'node' in event);
    node = first !== undefined && 'node' in first ? first.node : null;
  }
  return { file, node, events };
}

/**
 * Merges the history files of a live cluster into one history the checkers read: events ordered by (t, node, i),
 * each node's own order kept, and `i` renumbered from 0. `nodes` are the nodes the files belong to. Events of
 * the caller's own (a launcher's kills, partitions, phases) join by the same key (node 0 when they have none).
 *
 * Clocks of one machine agree to the millisecond, not below, so a receive can carry the same `t` as its send
 * while sorting before it (a lower node id). A node whose next event is such a receive therefore waits until the
 * send is out, so every receive follows its send, as in the simulator's histories.
 */
export function mergeHistories(files: readonly string[], extraEvents: readonly HistoryEvent[] = []): History {
  const histories = files.map(readNodeHistory);
  const nodes = [...new Set(histories.map((history) => history.node).filter((node): node is NodeId => node !== null))];
  nodes.sort((a, b) => a - b);
  const streams = histories.map((history) => history.events);
  if (extraEvents.length > 0) streams.push([...extraEvents].sort((a, b) => a.t - b.t || a.i - b.i));
  return { nodes, events: mergeStreams(streams) };
}

function sendKey(node: NodeId, ref: MessageRef): string {
  return `${node}|${String(ref)}`;
}

function nodeOf(event: HistoryEvent): NodeId {
  return 'node' in event ? event.node : 0;
}

function before(a: HistoryEvent, b: HistoryEvent): boolean {
  return a.t !== b.t ? a.t < b.t : nodeOf(a) !== nodeOf(b) ? nodeOf(a) < nodeOf(b) : a.i < b.i;
}

/** A k-way merge of per-node streams (each already in its own order) that holds receives back until their send. */
function mergeStreams(streams: readonly HistoryEvent[][]): HistoryEvent[] {
  const pendingSends = new Set<string>();
  for (const stream of streams) {
    for (const event of stream) if (event.type === 'send') pendingSends.add(sendKey(event.node, event.msg));
  }
  const heads = streams.map(() => 0);
  const merged: HistoryEvent[] = [];
  const total = streams.reduce((sum, stream) => sum + stream.length, 0);
  while (merged.length < total) {
    let chosen = -1;
    let fallback = -1;
    for (let index = 0; index < streams.length; index += 1) {
      const event = streams[index][heads[index]];
      if (event === undefined) continue;
      if (fallback < 0 || before(event, streams[fallback][heads[fallback]])) fallback = index;
      const waiting = event.type === 'receive' && pendingSends.has(sendKey(event.from, event.msg));
      if (!waiting && (chosen < 0 || before(event, streams[chosen][heads[chosen]]))) chosen = index;
    }
    // Every head waits for a send: only possible with clocks that disagree badly; take the earliest anyway.
    const pick = chosen >= 0 ? chosen : fallback;
    const event = streams[pick][heads[pick]];
    heads[pick] += 1;
    if (event.type === 'send') pendingSends.delete(sendKey(event.node, event.msg));
    merged.push({ ...event, i: merged.length });
  }
  return merged;
}
