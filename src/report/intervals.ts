import type { EventOf, History, MessageRef } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';

/** A stretch of virtual time. `closed` is false when the run ended inside it (it lasts to the end). */
export interface Interval {
  startMs: number;
  endMs: number;
  closed: boolean;
}

export type NodeIntervalKind = 'down' | 'paused' | 'not-joined';

export interface NodeInterval extends Interval {
  node: NodeId;
  kind: NodeIntervalKind;
}

export type NetworkIntervalKind = 'partition' | 'cut' | 'hold';

export interface NetworkInterval extends Interval {
  kind: NetworkIntervalKind;
  /** What a person reads: "{1,2} | {3}", "1 -> 3". */
  label: string;
}

/** One message on the wire: its send and everything that became of its copies. */
export interface Flight {
  msg: MessageRef;
  from: NodeId;
  to: NodeId;
  send: EventOf<'send'>;
  /** The body's `type` field, when it has a string one. */
  messageType: string | null;
  receives: EventOf<'receive'>[];
  drops: EventOf<'drop'>[];
  duplicates: EventOf<'duplicate'>[];
}

/** The virtual time of the run's last event (0 for an empty history). */
export function runEndMs(history: History): number {
  const last = history.events[history.events.length - 1];
  return last === undefined ? 0 : last.t;
}

export function messageTypeOf(body: Json): string | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const type = body.type;
  return typeof type === 'string' ? type : null;
}

/**
 * When each node was down (crash -> restart), paused (pause -> resume, or until a crash ends the pause) and, for
 * nodes that join later, not yet joined. Intervals still open at the end last to the run's end.
 */
export function nodeIntervals(history: History): NodeInterval[] {
  const intervals: NodeInterval[] = [];
  const open = new Map<string, NodeInterval>();
  const seen = new Set<NodeId>();
  const begin = (node: NodeId, kind: NodeIntervalKind, startMs: number): void => {
    if (open.has(`${kind}:${node}`)) return;
    const interval: NodeInterval = { node, kind, startMs, endMs: startMs, closed: false };
    open.set(`${kind}:${node}`, interval);
    intervals.push(interval);
  };
  const end = (node: NodeId, kind: NodeIntervalKind, endMs: number): void => {
    const interval = open.get(`${kind}:${node}`);
    if (interval === undefined) return;
    interval.endMs = endMs;
    interval.closed = true;
    open.delete(`${kind}:${node}`);
  };
  for (const event of history.events) {
    if (!('node' in event)) continue;
    if (event.type === 'join' && !seen.has(event.node)) {
      // A node whose first event is its join was absent from the start until then.
      begin(event.node, 'not-joined', 0);
      end(event.node, 'not-joined', event.t);
    }
    seen.add(event.node);
    if (event.type === 'crash') {
      end(event.node, 'paused', event.t);
      begin(event.node, 'down', event.t);
    } else if (event.type === 'restart') end(event.node, 'down', event.t);
    else if (event.type === 'pause') begin(event.node, 'paused', event.t);
    else if (event.type === 'resume') end(event.node, 'paused', event.t);
  }
  const endMs = runEndMs(history);
  for (const interval of open.values()) interval.endMs = endMs;
  return intervals.sort((a, b) => a.startMs - b.startMs || a.node - b.node);
}

/** Partitions (until the next partition or a heal), one-way cuts (until a heal) and held links (until released). */
export function networkIntervals(history: History): NetworkInterval[] {
  const intervals: NetworkInterval[] = [];
  const open = new Map<string, NetworkInterval>();
  const begin = (key: string, kind: NetworkIntervalKind, label: string, startMs: number): void => {
    if (open.has(key)) return;
    const interval: NetworkInterval = { kind, label, startMs, endMs: startMs, closed: false };
    open.set(key, interval);
    intervals.push(interval);
  };
  const end = (key: string, endMs: number): void => {
    const interval = open.get(key);
    if (interval === undefined) return;
    interval.endMs = endMs;
    interval.closed = true;
    open.delete(key);
  };
  for (const event of history.events) {
    if (event.type === 'partition') {
      // A new partition replaces the previous one, as in the simulator.
      end('partition', event.t);
      begin('partition', 'partition', event.groups.map((group) => `{${group.join(',')}}`).join(' | '), event.t);
    } else if (event.type === 'cut')
      begin(`cut:${event.from}:${event.to}`, 'cut', `${event.from} -> ${event.to}`, event.t);
    else if (event.type === 'hold')
      begin(`hold:${event.from}:${event.to}`, 'hold', `${event.from} -> ${event.to}`, event.t);
    else if (event.type === 'release') end(`hold:${event.from}:${event.to}`, event.t);
    else if (event.type === 'heal') {
      for (const key of [...open.keys()]) if (!key.startsWith('hold:')) end(key, event.t);
    }
  }
  const endMs = runEndMs(history);
  for (const interval of open.values()) interval.endMs = endMs;
  return intervals;
}

/** Every message sent, in send order, with its receives, drops and duplications linked by message ref. */
export function messageFlights(history: History): Flight[] {
  const flights = new Map<MessageRef, Flight>();
  for (const event of history.events) {
    if (event.type === 'send') {
      flights.set(event.msg, {
        msg: event.msg,
        from: event.node,
        to: event.to,
        send: event,
        messageType: messageTypeOf(event.body),
        receives: [],
        drops: [],
        duplicates: [],
      });
    } else if (event.type === 'receive') flights.get(event.msg)?.receives.push(event);
    else if (event.type === 'drop') flights.get(event.msg)?.drops.push(event);
    else if (event.type === 'duplicate') flights.get(event.msg)?.duplicates.push(event);
  }
  return [...flights.values()];
}
