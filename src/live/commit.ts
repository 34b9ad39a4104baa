import { invariant } from '../core/assert.ts';
import type { NodeId, SubmissionId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import type { Announcement, Delivery, NodeContext } from '../core/node.ts';
import type { DurableLog } from './storage.ts';

/** What one handler did, held back until its records are on disk. */
export interface Capture {
  records: Json[];
  effects: Array<() => void>;
}

/** What the captured effects do once committed, and what the context does at once (timers, clock, random). */
export interface EffectTarget {
  id: NodeId;
  nodes: readonly NodeId[];
  peers: readonly NodeId[];
  protocolName: string;
  transmit(to: NodeId, body: Json): void;
  persisted(record: Json): void;
  delivered(delivery: Delivery): void;
  acked(id: SubmissionId): void;
  announced(announcement: Announcement): void;
  logged(text: string): void;
  setTimer(name: string, delayMs: number): void;
  cancelTimer(name: string): void;
  now(): number;
  random(): number;
}

/** A deep copy through JSON: what a peer would get, and proof that the value is plain data. */
export function jsonCopy<T>(value: T, what: string): T {
  const text = JSON.stringify(value);
  invariant(text !== undefined, `${what} is not JSON data`);
  return JSON.parse(text) as T;
}

/**
 * The context a live protocol sees. While a handler runs, everything it asks that others could observe (sends,
 * deliveries, acks, announcements, logs) is captured as an effect and every persisted record is collected; the
 * host then commits them (commitCapture): records on disk first, effects after. Timers, the clock and the random
 * stream act at once, since nobody outside the process sees them.
 */
export class EffectCapture {
  readonly context: NodeContext;
  private current: Capture | null = null;

  constructor(private readonly target: EffectTarget) {
    this.context = this.makeContext();
  }

  /** Runs `handler` with its effects captured. What the handler throws propagates; its capture is then dropped. */
  run(handler: (ctx: NodeContext) => void): Capture {
    const capture: Capture = { records: [], effects: [] };
    this.current = capture;
    try {
      handler(this.context);
    } finally {
      this.current = null;
    }
    return capture;
  }

  private captured(what: string): Capture {
    invariant(this.current !== null, `protocol ${this.target.protocolName} called ${what} outside a handler`);
    return this.current;
  }

  private makeContext(): NodeContext {
    const target = this.target;
    const effect = (what: string, run: () => void) => this.captured(what).effects.push(run);
    return {
      id: target.id,
      nodes: target.nodes,
      peers: target.peers,
      send: (to, message) => {
        invariant(target.nodes.includes(to), `send to node ${to}, which is not in the cluster`);
        const body = jsonCopy(message, 'a message');
        effect('send', () => target.transmit(to, body));
      },
      broadcast: (message) => {
        const body = jsonCopy(message, 'a message');
        effect('broadcast', () => {
          for (const peer of target.peers) target.transmit(peer, body);
        });
      },
      setTimer: (name, delayMs) => target.setTimer(name, delayMs),
      cancelTimer: (name) => target.cancelTimer(name),
      persist: (record) => {
        const copy = jsonCopy(record, 'a persisted record');
        this.captured('persist').records.push(copy);
        effect('persist', () => target.persisted(copy));
      },
      deliver: (delivery) => {
        const copy = jsonCopy(delivery, 'a delivery');
        effect('deliver', () => target.delivered(copy));
      },
      ack: (id) => effect('ack', () => target.acked(id)),
      announce: (announcement) => {
        const copy = jsonCopy(announcement, 'an announcement');
        effect('announce', () => target.announced(copy));
      },
      now: () => target.now(),
      random: () => target.random(),
      log: (text) => effect('log', () => target.logged(String(text))),
    };
  }
}

/**
 * Commits one handler's capture: its records are appended to the durable log and synced, then (and only then)
 * its effects run in the order the handler asked for them. Returns null, or why the log could not be written;
 * then no effect has run, and the caller stops the node.
 */
export function commitCapture(capture: Capture, log: DurableLog, durable: Json[]): string | null {
  if (capture.records.length > 0) {
    try {
      log.append(capture.records);
    } catch (error) {
      return (error as Error).message;
    }
    durable.push(...capture.records);
  }
  for (const effect of capture.effects) effect();
  return null;
}
