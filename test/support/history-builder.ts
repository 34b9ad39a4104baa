import { invariant } from '../../src/core/assert.ts';
import type { EventOf, History, HistoryEvent, MessageRef, Phase } from '../../src/core/history.ts';
import type { NodeId, SubmissionId } from '../../src/core/ids.ts';
import type { Json, JsonObject } from '../../src/core/json.ts';
import type { Announcement } from '../../src/core/node.ts';

/** Distributes Omit over the event union, so each variant keeps its own fields. */
type WithoutPosition<Event> = Event extends HistoryEvent ? Omit<Event, 'i' | 't'> : never;

/**
 * Hand-made histories for tests: every method appends one event at the current virtual time, assigns `i` and `t`,
 * and returns the event so a test can expect it back as evidence. Time moves only through `at` and `after`.
 */
export class HistoryBuilder {
  private readonly events: HistoryEvent[] = [];
  private readonly submits = new Map<SubmissionId, EventOf<'submit'>>();
  private nowMs = 0;
  private nextMessageRef = 1;

  constructor(private readonly nodes: readonly NodeId[]) {}

  /** How many events so far. */
  get length(): number {
    return this.events.length;
  }

  at(timeMs: number): this {
    invariant(timeMs >= this.nowMs, `time runs forward: ${timeMs} ms is before ${this.nowMs} ms`);
    this.nowMs = timeMs;
    return this;
  }

  after(durationMs: number): this {
    return this.at(this.nowMs + durationMs);
  }

  add<Event extends WithoutPosition<HistoryEvent>>(event: Event): Event & { i: number; t: number } {
    const recorded = { i: this.events.length, t: this.nowMs, ...event };
    this.events.push(recorded as HistoryEvent);
    return recorded;
  }

  submit(node: NodeId, id: SubmissionId, payload = `payload of ${id}`): EventOf<'submit'> {
    const event = this.add({ type: 'submit', node, id, payload } as const);
    this.submits.set(id, event);
    return event;
  }

  /** Origin and payload default to those of the submission, so a correct delivery is one call. */
  deliver(node: NodeId, id: SubmissionId, override: { origin?: NodeId; payload?: string } = {}): EventOf<'deliver'> {
    const submit = this.submits.get(id);
    const origin = override.origin ?? submit?.node;
    invariant(origin !== undefined, `deliver ${id}: submit it first or give an origin`);
    const payload = override.payload ?? submit?.payload ?? `payload of ${id}`;
    return this.add({ type: 'deliver', node, id, origin, payload } as const);
  }

  /** Several deliveries at one node, in the order given. */
  deliverAll(node: NodeId, ids: readonly SubmissionId[]): EventOf<'deliver'>[] {
    return ids.map((id) => this.deliver(node, id));
  }

  send(node: NodeId, to: NodeId, msg: MessageRef = this.nextMessageRef++, body: Json = null): EventOf<'send'> {
    return this.add({ type: 'send', node, to, msg, body } as const);
  }

  receive(node: NodeId, from: NodeId, msg: MessageRef): EventOf<'receive'> {
    return this.add({ type: 'receive', node, from, msg } as const);
  }

  /** A message that arrives: its send and its receive, one after the other. */
  transfer(from: NodeId, to: NodeId, body: Json = null): [EventOf<'send'>, EventOf<'receive'>] {
    const send = this.send(from, to, undefined, body);
    return [send, this.receive(to, from, send.msg)];
  }

  ack(node: NodeId, id: SubmissionId): EventOf<'ack'> {
    return this.add({ type: 'ack', node, id } as const);
  }

  announce(node: NodeId, announcement: Announcement): EventOf<'announce'> {
    return this.add({ type: 'announce', node, ...announcement } as const);
  }

  crash(node: NodeId): EventOf<'crash'> {
    return this.add({ type: 'crash', node } as const);
  }

  restart(node: NodeId): EventOf<'restart'> {
    return this.add({ type: 'restart', node } as const);
  }

  /** The host refused to start the node: its log is damaged before the end (it stays down). */
  refused(node: NodeId, index: number): EventOf<'storage'> {
    return this.add({ type: 'storage', node, what: 'refused', index } as const);
  }

  pause(node: NodeId): EventOf<'pause'> {
    return this.add({ type: 'pause', node } as const);
  }

  resume(node: NodeId): EventOf<'resume'> {
    return this.add({ type: 'resume', node } as const);
  }

  log(node: NodeId, text: string): EventOf<'log'> {
    return this.add({ type: 'log', node, text } as const);
  }

  phase(phase: Phase): EventOf<'phase'> {
    return this.add({ type: 'phase', phase } as const);
  }

  network(change: JsonObject): EventOf<'network'> {
    return this.add({ type: 'network', change } as const);
  }

  build(): History {
    return { nodes: [...this.nodes], events: [...this.events] };
  }
}

export function historyBuilder(nodes: readonly NodeId[]): HistoryBuilder {
  return new HistoryBuilder(nodes);
}
