import type { CrashCut, EventOf, HistoryEvent } from '../core/history.ts';
import { messageTypeOf } from './intervals.ts';

/** Longest JSON excerpt a one-line description carries; bodies and records can be large. */
export const JSON_EXCERPT_CHARS_MAX = 160;

/** JSON on one line, cut to `charsMax` with an ellipsis. */
export function jsonExcerpt(value: unknown, charsMax = JSON_EXCERPT_CHARS_MAX): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length <= charsMax ? text : `${text.slice(0, charsMax - 1)}…`;
}

const NODE_FAULT_VERBS = {
  crash: 'crashes',
  restart: 'restarts',
  pause: 'pauses',
  resume: 'resumes',
  join: 'joins',
} as const;

/** One line, no line breaks: what exports and tooltips say about any history event (without its time). */
export function describeEvent(event: HistoryEvent): string {
  return oneLine(describe(event));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function describe(event: HistoryEvent): string {
  switch (event.type) {
    case 'submit':
      return `node ${event.node} submits ${event.id} ${jsonExcerpt(event.payload)}`;
    case 'send': {
      const type = messageTypeOf(event.body);
      return `node ${event.node} sends ${type ?? 'a message'} to node ${event.to} (msg ${event.msg}) ${jsonExcerpt(event.body)}`;
    }
    case 'receive':
      return `node ${event.node} receives msg ${event.msg} from node ${event.from}`;
    case 'drop':
      return `msg ${event.msg} from node ${event.node} to node ${event.to} dropped (${event.reason})`;
    case 'duplicate':
      return `msg ${event.msg} from node ${event.node} to node ${event.to} duplicated by the network`;
    case 'deliver': {
      const order = event.order === undefined ? '' : ` ${jsonExcerpt(event.order)}`;
      return `node ${event.node} delivers ${event.id} from node ${event.origin}${order} ${jsonExcerpt(event.payload)}`;
    }
    case 'announce': {
      const term = event.term === undefined ? '' : ` term ${event.term}`;
      const leader = event.leader === undefined || event.leader === null ? '' : `, leader ${event.leader}`;
      return `node ${event.node} is ${event.role}${term}${leader}`;
    }
    case 'timer':
      return `node ${event.node} timer ${event.name} fires`;
    case 'persist':
      return `node ${event.node} persists ${jsonExcerpt(event.record)}`;
    case 'ack':
      return `node ${event.node} acknowledges ${event.id}`;
    case 'log':
      return `node ${event.node}: ${event.text}`;
    case 'crash':
      return `node ${event.node} ${NODE_FAULT_VERBS.crash}${crashCutText(event.during)}`;
    case 'storage':
      return `node ${event.node} ${storageText(event)}`;
    case 'restart':
    case 'pause':
    case 'resume':
    case 'join':
      return `node ${event.node} ${NODE_FAULT_VERBS[event.type]}`;
    default:
      return describeNetworkEvent(event);
  }
}

function describeNetworkEvent(event: HistoryEvent): string {
  switch (event.type) {
    case 'partition':
      return `partition ${event.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`;
    case 'cut':
    case 'hold':
    case 'release':
      return `${event.type} link ${event.from} -> ${event.to}`;
    case 'heal':
      return 'heal: partitions and cuts removed';
    case 'clock':
      return `node ${event.node} clock: drift ${event.driftPpm} ppm, offset ${event.offsetMs} ms`;
    case 'network':
      return `network change ${jsonExcerpt(event.change)}`;
    case 'phase':
      return event.phase === 'liveness'
        ? 'liveness phase begins: faults healed, nodes restarted'
        : `${event.phase} of the run`;
    case 'bound':
      return `stopped: ${event.bound} bound ${event.limit} reached`;
    default:
      return jsonExcerpt(event);
  }
}

/** Where inside a handler a crash fell, or nothing for a crash between handlers. */
export function crashCutText(during: CrashCut | undefined): string {
  if (during === undefined) return '';
  const where = during.handlers === undefined ? 'a handler' : `a batch of ${during.handlers} handlers`;
  if (during.cut === 'before-sync')
    return ` inside ${where}, before its ${during.records} record(s) were synced (lost)`;
  return ` inside ${where}, after its records were synced and ${during.effects} of its ${during.effects === during.of ? 'all ' : ''}${during.of} effects left (by kind)`;
}

export function storageText(event: EventOf<'storage'>): string {
  switch (event.what) {
    case 'tear':
      return `loses power mid-write: record ${event.index} torn`;
    case 'corrupt':
      return `disk damages record ${event.index}`;
    case 'disk-full':
      return 'disk is full';
    case 'disk-ok':
      return 'disk has room again';
    case 'write-failed':
      return `cannot write ${event.count} record(s) (disk full): stops before any effect leaves`;
    case 'cut-tail':
      return `restart cut ${event.count} torn record(s) off the end of its log`;
    case 'refused':
      return `cannot start: record ${event.index} fails its checksum (damage before the last record)`;
  }
}

/** Seconds with milliseconds, as the text report prints times. */
export function secondsText(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}
