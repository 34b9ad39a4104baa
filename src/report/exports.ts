import { invariant } from '../core/assert.ts';
import type { History, HistoryEvent, HistoryEventType, MessageRef } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { JsonObject } from '../core/json.ts';
import { describeEvent, secondsText } from './describe.ts';
import { messageTypeOf, networkIntervals, nodeIntervals } from './intervals.ts';

// ---------------------------------------------------------------- ShiViz

/** ShiViz's default parser: an event line, then "host {json vector clock}". Paste it with the log. */
export const SHIVIZ_REGEX = '(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})';

/**
 * The node events ShiViz shows. Timers, persists, acks and logs stay out (they would bury the messages), and so
 * do network-wide events, which belong to no host.
 */
export const SHIVIZ_EVENT_TYPES: ReadonlySet<HistoryEventType> = new Set<HistoryEventType>([
  'submit',
  'send',
  'receive',
  'deliver',
  'announce',
  'crash',
  'restart',
  'pause',
  'resume',
  'join',
  'drop',
  'duplicate',
]);

export type VectorClock = Record<string, number>;

export interface ShivizEvent {
  /** The history event's position. */
  i: number;
  host: string;
  text: string;
  clock: VectorClock;
}

export function shivizHost(node: NodeId): string {
  return `node${node}`;
}

/**
 * Vector clocks from the history's own sends and receives: each kept event ticks its node's entry; a receive
 * first takes the entrywise maximum with the clock of the matching send. Zero entries are left out, as ShiViz
 * expects.
 */
export function shivizEvents(history: History): ShivizEvent[] {
  const clocks = new Map<NodeId, VectorClock>(history.nodes.map((node) => [node, {}]));
  const sendClocks = new Map<MessageRef, VectorClock>();
  const kept: ShivizEvent[] = [];
  for (const event of history.events) {
    if (!SHIVIZ_EVENT_TYPES.has(event.type) || !('node' in event)) continue;
    const clock = { ...(clocks.get(event.node) ?? {}) };
    const host = shivizHost(event.node);
    if (event.type === 'receive') {
      // A live history may lack the send (gathered from nodes that crashed): then there is nothing to merge.
      const sent = sendClocks.get(event.msg) ?? {};
      // What the sender knew of this node came from this node's past, so it cannot be ahead of it.
      invariant((sent[host] ?? 0) <= (clock[host] ?? 0), `msg ${event.msg} carries a clock ahead of ${host}`);
      for (const [other, count] of Object.entries(sent)) clock[other] = Math.max(clock[other] ?? 0, count);
    }
    clock[host] = (clock[host] ?? 0) + 1;
    clocks.set(event.node, clock);
    if (event.type === 'send') sendClocks.set(event.msg, clock);
    kept.push({ i: event.i, host, text: `${secondsText(event.t)}  ${describeEvent(event)}`, clock });
  }
  return kept;
}

/** The log text: two lines per event, in history order (which respects every clock). */
export function toShiviz(history: History): string {
  return shivizEvents(history)
    .map((event) => `${event.text}\n${event.host} ${JSON.stringify(event.clock)}\n`)
    .join('');
}

// ---------------------------------------------------------------- Chrome trace (Perfetto, chrome://tracing)

export type TracePhase = 'X' | 'i' | 's' | 'f' | 'M';

export interface TraceEvent {
  name: string;
  cat?: string;
  ph: TracePhase;
  /** Microseconds. */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: number;
  /** Instant scope: thread, process or global. */
  s?: 't' | 'p' | 'g';
  /** Flow end binds to the enclosing slice. */
  bp?: 'e';
  args?: JsonObject;
}

export interface ChromeTrace {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
  otherData: JsonObject;
}

const PID = 1;
/** The network's own track (partitions, cuts, phases); nodes use their id as thread id. */
const NETWORK_TID = 0;
/** Width of one send or receive slice, in µs: wide enough to click on, far below any link latency. */
const SLICE_US = 1;

/**
 * A Chrome trace event file: a thread per node, sends and receives as short slices joined by flow arrows
 * (s -> f), down and paused stretches as slices, everything else as instants.
 */
export function toChromeTrace(history: History, otherData: JsonObject = {}): ChromeTrace {
  const events: TraceEvent[] = [...threadNames(history)];
  const cursorUs = new Map<number, number>();
  /** Slices on one thread must not overlap: events at one virtual instant are laid end to end. */
  const slice = (
    tid: number,
    tsUs: number,
    durUs: number,
    name: string,
    cat: string,
    args?: JsonObject,
  ): TraceEvent => {
    const start = Math.max(tsUs, cursorUs.get(tid) ?? 0);
    const event: TraceEvent = {
      name,
      cat,
      ph: 'X',
      ts: start,
      dur: Math.max(0, durUs - (start - tsUs)),
      pid: PID,
      tid,
      args,
    };
    cursorUs.set(tid, start + (event.dur ?? 0));
    events.push(event);
    return event;
  };
  events.push(...intervalSlices(history));
  const sendSlices = new Map<MessageRef, TraceEvent>();
  let flowId = 0;
  for (const event of history.events) {
    const tsUs = microseconds(event.t);
    const args: JsonObject = { i: event.i, timeMs: event.t, what: describeEvent(event) };
    if (event.type === 'send') {
      const name = `send ${messageTypeOf(event.body) ?? 'message'} -> node ${event.to}`;
      sendSlices.set(event.msg, slice(event.node, tsUs, SLICE_US, name, 'message', { ...args, body: event.body }));
    } else if (event.type === 'receive') {
      const sent = sendSlices.get(event.msg);
      const received = slice(
        event.node,
        tsUs,
        SLICE_US,
        `receive msg ${event.msg} from node ${event.from}`,
        'message',
        args,
      );
      if (sent === undefined) continue;
      flowId += 1;
      events.push({ name: 'message', cat: 'message', ph: 's', ts: sent.ts, pid: PID, tid: sent.tid, id: flowId });
      events.push({
        name: 'message',
        cat: 'message',
        ph: 'f',
        bp: 'e',
        ts: received.ts,
        pid: PID,
        tid: received.tid,
        id: flowId,
      });
    } else events.push(instant(event, tsUs, args));
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData };
}

function microseconds(ms: number): number {
  return Math.round(ms * 1000);
}

function threadNames(history: History): TraceEvent[] {
  const named = (tid: number, name: string, sortIndex: number): TraceEvent[] => [
    { name: 'thread_name', ph: 'M', ts: 0, pid: PID, tid, args: { name } },
    { name: 'thread_sort_index', ph: 'M', ts: 0, pid: PID, tid, args: { sort_index: sortIndex } },
  ];
  return [
    { name: 'process_name', ph: 'M', ts: 0, pid: PID, tid: NETWORK_TID, args: { name: 'tob-lab run' } },
    ...named(NETWORK_TID, 'network', 0),
    ...history.nodes.flatMap((node) => named(node, `node ${node}`, node)),
  ];
}

/**
 * Down, paused and not-joined stretches on their node's thread; partitions on the network thread. They cannot cut
 * across a send or receive slice: a node that is down or paused neither sends nor receives, and every slice
 * starts and ends on a whole microsecond, so a 1 µs slice lies wholly inside or wholly outside a stretch.
 */
function intervalSlices(history: History): TraceEvent[] {
  const pending = [
    ...nodeIntervals(history).map((interval) => ({ tid: interval.node, name: interval.kind, interval, cat: 'fault' })),
    ...networkIntervals(history)
      .filter((interval) => interval.kind === 'partition')
      .map((interval) => ({ tid: NETWORK_TID, name: `partition ${interval.label}`, interval, cat: 'network' })),
  ];
  return pending.map(({ tid, name, interval, cat }) => {
    const startUs = microseconds(interval.startMs);
    const args = { startMs: interval.startMs, endMs: interval.endMs, endedByRunEnd: !interval.closed };
    return { name, cat, ph: 'X', ts: startUs, dur: microseconds(interval.endMs) - startUs, pid: PID, tid, args };
  });
}

function instant(event: HistoryEvent, tsUs: number, args: JsonObject): TraceEvent {
  const tid = 'node' in event ? event.node : NETWORK_TID;
  const global = event.type === 'phase' || event.type === 'bound';
  const name = instantName(event);
  return { name, cat: event.type, ph: 'i', s: global ? 'g' : 't', ts: tsUs, pid: PID, tid, args };
}

function instantName(event: HistoryEvent): string {
  switch (event.type) {
    case 'deliver':
      return `deliver ${event.id}`;
    case 'submit':
      return `submit ${event.id}`;
    case 'announce':
      return `${event.role}${event.term === undefined ? '' : ` term ${event.term}`}`;
    case 'drop':
      return `drop msg ${event.msg} (${event.reason})`;
    case 'timer':
      return `timer ${event.name}`;
    default:
      return event.type;
  }
}

/** For tests and tools: the flow pairs of a trace, by id. */
export function flowPairs(trace: ChromeTrace): Map<number, { start?: TraceEvent; finish?: TraceEvent }> {
  const pairs = new Map<number, { start?: TraceEvent; finish?: TraceEvent }>();
  for (const event of trace.traceEvents) {
    if (event.id === undefined || (event.ph !== 's' && event.ph !== 'f')) continue;
    const pair = pairs.get(event.id) ?? {};
    if (event.ph === 's') pair.start = event;
    else pair.finish = event;
    pairs.set(event.id, pair);
  }
  return pairs;
}
