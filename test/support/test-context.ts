import type { NodeId, SubmissionId } from '../../src/core/ids.ts';
import { deepFreeze, type Json } from '../../src/core/json.ts';
import type { Announcement, Delivery, NodeContext } from '../../src/core/node.ts';
import { randomStream, type RandomStream } from '../../src/core/rng.ts';

export interface Sent<Message> {
  from: NodeId;
  to: NodeId;
  message: Message;
}

/**
 * A hand-driven host for unit tests: it records what a node does and lets the test decide time and which message
 * arrives when. Messages are frozen, as the simulator does, so a node that mutates one fails here too.
 */
export class TestContext<Message extends Json> implements NodeContext<Message> {
  readonly peers: readonly NodeId[];
  nowMs = 0;
  sent: Sent<Message>[] = [];
  readonly timers = new Map<string, number>();
  readonly persisted: Json[] = [];
  readonly delivered: Delivery[] = [];
  readonly acked: SubmissionId[] = [];
  readonly announced: Announcement[] = [];
  readonly logs: string[] = [];
  private readonly stream: RandomStream;

  constructor(
    readonly id: NodeId,
    readonly nodes: readonly NodeId[],
    seed: string | number = 'test',
  ) {
    this.peers = nodes.filter((node) => node !== id);
    this.stream = randomStream(seed, `node:${id}`);
  }

  send(to: NodeId, message: Message): void {
    this.sent.push({ from: this.id, to, message: deepFreeze(message) });
  }

  broadcast(message: Message): void {
    for (const peer of this.peers) this.send(peer, message);
  }

  setTimer(name: string, delayMs: number): void {
    this.timers.set(name, this.nowMs + delayMs);
  }

  cancelTimer(name: string): void {
    this.timers.delete(name);
  }

  persist(record: Json): void {
    this.persisted.push(deepFreeze(record));
  }

  deliver(delivery: Delivery): void {
    this.delivered.push(delivery);
  }

  ack(id: SubmissionId): void {
    this.acked.push(id);
  }

  announce(announcement: Announcement): void {
    this.announced.push(announcement);
  }

  now(): number {
    return this.nowMs;
  }

  random(): number {
    return this.stream.next();
  }

  log(text: string): void {
    this.logs.push(text);
  }

  /** Returns what was sent since the last call and forgets it. */
  takeSent(): Sent<Message>[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }

  deliveredIds(): SubmissionId[] {
    return this.delivered.map((delivery) => delivery.id);
  }
}
