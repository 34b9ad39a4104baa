import { existsSync, readFileSync } from 'node:fs';
import type { History, HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { mergeHistories } from '../live/histories.ts';

/** A history event before it has a place in the merged history. */
export type EventBody = HistoryEvent extends infer Event
  ? Event extends HistoryEvent
    ? Omit<Event, 'i'>
    : never
  : never;
/** What the launcher says about one of its own events; the time is stamped when it is recorded. */
export type EventFields = HistoryEvent extends infer Event
  ? Event extends HistoryEvent
    ? Omit<Event, 'i' | 't'>
    : never
  : never;

/**
 * Something the launcher did (crash, restart, partition, heal, phase, ...), stamped with the wall clock (epoch ms)
 * like the nodes' own events. `placement` settles ties within one millisecond: a restart goes before the events
 * of the incarnation it starts, a crash after the last events of the one it ends.
 */
export interface LauncherEvent {
  event: EventBody;
  placement: 'before' | 'after' | 'last';
}

export interface NodeHistoryFile {
  node: NodeId;
  file: string;
}

export interface GatheredHistory {
  history: History;
  /** Lines that were not history events (a torn last line after a kill -9, say), per file. */
  skippedLines: Map<string, number>;
}

/** A history file can grow large in a long run; past this it is cut, and the cut is reported. */
export const HISTORY_FILE_BYTES_MAX = 256 * 1024 * 1024;

/**
 * Reads every node's history file and merges them with the host's own merge (by wall-clock time, each node's order
 * kept, every receive after its send), weaves the launcher's events in, and makes time relative to `originMs`,
 * the moment the scenario's clock started. A file the host's reader refuses (a line that is not JSON in its
 * middle) is read line by line instead, skipping what is not an event, and the skip is reported.
 */
export function gatherHistory(
  nodes: readonly NodeId[],
  files: readonly NodeHistoryFile[],
  launcherEvents: readonly LauncherEvent[],
  originMs: number,
): GatheredHistory {
  const skippedLines = new Map<string, number>();
  const present = files.filter(({ file }) => existsSync(file)).map(({ file }) => file);
  let merged: EventBody[];
  try {
    merged = mergeHistories(present).events;
  } catch {
    merged = mergeByTime(
      present.map((file) => {
        const { events, skipped } = readHistoryFile(file);
        if (skipped > 0) skippedLines.set(file, skipped);
        return events;
      }),
    );
  }
  const { events: reconciled, launcher } = reconcileReboots(merged, launcherEvents);
  const woven = weave(reconciled, launcher);
  const events = woven.map((event, index) => ({ ...event, i: index, t: event.t - originMs }) as HistoryEvent);
  return { history: { nodes: [...nodes], events }, skippedLines };
}

/** Events of one node's history file, in file order; a missing file is an empty history. */
export function readHistoryFile(file: string): { events: EventBody[]; skipped: number } {
  if (!existsSync(file)) return { events: [], skipped: 0 };
  const text = readFileSync(file, 'utf8').slice(0, HISTORY_FILE_BYTES_MAX);
  const events: EventBody[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (parsed === null) skipped += 1;
    else if (parsed.type !== 'header') events.push(parsed as EventBody);
  }
  return { events, skipped };
}

function parseLine(line: string): { type: string; t: number } | null {
  try {
    const value = JSON.parse(line) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    const { type, t } = value as { type?: unknown; t?: unknown };
    if (type === 'header') return { type, t: 0 };
    if (typeof type !== 'string' || typeof t !== 'number' || !Number.isFinite(t)) return null;
    return value as { type: string; t: number };
  } catch {
    return null;
  }
}

/**
 * A k-way merge by time that never reorders a file: each node's own order is the truth about that node, even if
 * its wall clock stepped back. On equal times the earlier file goes first.
 */
export function mergeByTime(lists: readonly (readonly EventBody[])[]): EventBody[] {
  const heads = lists.map(() => 0);
  const merged: EventBody[] = [];
  for (;;) {
    let best = -1;
    for (let list = 0; list < lists.length; list += 1) {
      if (heads[list] >= lists[list].length) continue;
      if (best === -1 || lists[list][heads[list]].t < lists[best][heads[best]].t) best = list;
    }
    if (best === -1) return merged;
    merged.push(lists[best][heads[best]]);
    heads[best] += 1;
  }
}

/**
 * A live node marks its own reboot: a crash dated when its previous run was last seen, then a restart when the new
 * run boots. Where the launcher caused that reboot, the node's restart stands (it is when the new run really
 * began) and the launcher's restart goes; the launcher's crash stands (it is when the kill really happened) and
 * the node's guess goes. Launcher events with no reboot in the node's history (a node killed and never
 * restarted) stay as they are.
 */
function reconcileReboots(
  merged: readonly EventBody[],
  launcherEvents: readonly LauncherEvent[],
): { events: EventBody[]; launcher: LauncherEvent[] } {
  const droppedLauncher = new Set<LauncherEvent>();
  const droppedNode = new Set<number>();
  const usedRestarts = new Set<number>();
  const lastCrashOf = new Map<NodeId, LauncherEvent>();
  for (const entry of launcherEvents) {
    const event = entry.event;
    if (event.type === 'crash') lastCrashOf.set(event.node, entry);
    if (event.type !== 'restart') continue;
    const restartAt = merged.findIndex(
      (other, index) =>
        other.type === 'restart' && other.node === event.node && other.t >= event.t && !usedRestarts.has(index),
    );
    if (restartAt === -1) continue;
    usedRestarts.add(restartAt);
    droppedLauncher.add(entry);
    const crashAt = previousOfNode(merged, restartAt, event.node);
    const crash = lastCrashOf.get(event.node);
    if (crash === undefined || crashAt === -1 || merged[crashAt].type !== 'crash') continue;
    droppedNode.add(crashAt);
    lastCrashOf.delete(event.node);
  }
  return {
    events: merged.filter((_, index) => !droppedNode.has(index)),
    launcher: launcherEvents.filter((entry) => !droppedLauncher.has(entry)),
  };
}

/** The index of the last event of `node` before `index`, or -1. */
function previousOfNode(events: readonly EventBody[], index: number, node: NodeId): number {
  for (let at = index - 1; at >= 0; at -= 1) {
    const event = events[at];
    if ('node' in event && event.node === node) return at;
  }
  return -1;
}

/** Puts each launcher event at its time: before or after the events of the same millisecond, or at the very end. */
function weave(merged: readonly EventBody[], launcherEvents: readonly LauncherEvent[]): EventBody[] {
  const result: EventBody[] = [];
  const last: EventBody[] = [];
  const pending = launcherEvents.filter((entry) => entry.placement !== 'last');
  let next = 0;
  for (const event of merged) {
    while (next < pending.length && goesBefore(pending[next], event)) result.push(pending[next++].event);
    result.push(event);
  }
  while (next < pending.length) result.push(pending[next++].event);
  // The end of the run comes after everything, whatever a node wrote while it shut down.
  const endMs = result.reduce((latest, event) => Math.max(latest, event.t), Number.NEGATIVE_INFINITY);
  for (const entry of launcherEvents) {
    if (entry.placement === 'last') last.push({ ...entry.event, t: Math.max(entry.event.t, endMs) } as EventBody);
  }
  return [...result, ...last];
}

function goesBefore(entry: LauncherEvent, event: EventBody): boolean {
  return entry.placement === 'before' ? entry.event.t <= event.t : entry.event.t < event.t;
}
