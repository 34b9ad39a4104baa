import { invariant } from '../core/assert.ts';
import type { HistoryEvent, MessageRef } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { deepFreeze, type Json, type JsonObject } from '../core/json.ts';
import type { RandomStream } from '../core/rng.ts';
import {
  DEFAULT_LINK,
  linkKey,
  Reachability,
  roundMs,
  sampleLatency,
  validateLink,
  type Latency,
  type LinkConfig,
} from './network.ts';
import type { DistributiveOmit } from './queue.ts';
import type { PendingMessage } from './scheduler.ts';

/** What the network needs from the simulation around it: the time, the history, and the pending events. */
export interface NetworkHost {
  now(): number;
  record(event: DistributiveOmit<HistoryEvent, 'i' | 't'>): void;
  /** Records a send: record({ type: 'send', ... }) without the object, on the path every message takes. */
  recordSend(from: NodeId, to: NodeId, msg: number, body: Json): void;
  /** Schedules a message to arrive at `timeMs` (the host makes the pending event, or reuses a handled one). */
  enqueueMessage(timeMs: number, from: NodeId, to: NodeId, msg: MessageRef, body: Json): void;
}

/**
 * The simulated network: every message a node sends passes through `send`, which records it, then drops it
 * (partition, cut, loss), keeps it (a held link) or puts it on the wire with a latency drawn from the network's
 * own random stream. Arrival goes through the simulator's scheduler; `blocked` is asked again on arrival, since a
 * partition may have come up while the message was in flight.
 */
export class SimulatedNetwork {
  private readonly reach = new Reachability();
  private readonly heldMessages = new Map<number, Array<Omit<PendingMessage, 'seq' | 'time'>>>();
  /**
   * The latest arrival time on each FIFO link that carried a message: a flat array by from * stride + to for the
   * node ids the simulator said it has (looked up on every message), NaN for a link that carried none; a map for
   * any other id.
   */
  private readonly lastArrivalByLink: Float64Array;
  private readonly stride: number;
  private readonly lastArrivalMs = new Map<number, number>();
  private readonly baseLink: LinkConfig;
  private link: LinkConfig;
  private readonly linkOverrides = new Map<number, Partial<LinkConfig>>();
  /** Static per-link latencies (the cluster's geography): what the liveness phase resets the links to. */
  private readonly baseOverrides = new Map<number, Partial<LinkConfig>>();
  private nextMessage = 1;

  constructor(
    private readonly host: NetworkHost,
    private readonly random: RandomStream,
    config: Partial<LinkConfig>,
    /** Deep-freeze every body sent (a debug aid: see SimulatorConfig.freezeMessages). */
    private readonly freezeMessages = true,
    /** Node ids are 1..nodeCount: their links' arrival times go in a flat array (others in a map). */
    nodeCount = 0,
  ) {
    // Up to 256 nodes (half a MiB of times at most); a larger cluster keeps them in the map alone.
    this.stride = nodeCount <= 256 ? nodeCount + 1 : 0;
    this.lastArrivalByLink = new Float64Array(this.stride * this.stride).fill(NaN);
    const problem = validateLink(config);
    invariant(problem === null, `network: ${problem}`);
    this.baseLink = { ...DEFAULT_LINK, ...config };
    this.link = this.baseLink;
  }

  /** Records a send from `from` to `to`, then drops, holds or transmits it (twice when duplicated). */
  send(from: NodeId, to: NodeId, body: Json): void {
    const msg = this.nextMessage;
    this.nextMessage += 1;
    if (this.freezeMessages) deepFreeze(body);
    this.host.recordSend(from, to, msg, body);
    if (from === to) {
      this.host.enqueueMessage(this.host.now(), from, to, msg, body);
      return;
    }
    const blocked = this.reach.blocked(from, to);
    if (blocked !== null) {
      this.host.record({ type: 'drop', node: from, to, msg, reason: blocked });
      return;
    }
    const link = this.linkFor(from, to);
    if (link.lossRate > 0 && this.random.next() < link.lossRate) {
      this.host.record({ type: 'drop', node: from, to, msg, reason: 'loss' });
      return;
    }
    this.transmit(from, to, msg, body, link);
    if (link.duplicateRate > 0 && this.random.next() < link.duplicateRate) {
      this.host.record({ type: 'duplicate', node: from, to, msg });
      this.transmit(from, to, msg, body, link);
    }
  }

  /**
   * A message that fails the protocol's isMessage once encoded as JSON: recorded as sent and dropped as invalid, as
   * the live receiver drops a frame its schema rejects, so no handler ever sees it.
   */
  reject(from: NodeId, to: NodeId, body: Json): void {
    const msg = this.nextMessage;
    this.nextMessage += 1;
    this.host.record({ type: 'send', node: from, to, msg, body: recordable(body) });
    this.host.record({ type: 'drop', node: from, to, msg, reason: 'invalid' });
  }

  /** Why a message from `from` to `to` cannot pass now (a node's message to itself always passes). */
  blocked(from: NodeId, to: NodeId): 'partition' | 'cut' | null {
    return from === to ? null : this.reach.blocked(from, to);
  }

  /** Splits the cluster into groups; nodes named in no group form one more group together. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    this.reach.partition(groups);
    this.host.record({ type: 'partition', groups: groups.map((group) => [...group]) });
  }

  cut(from: NodeId, to: NodeId): void {
    this.reach.cut(from, to);
    this.host.record({ type: 'cut', from, to });
  }

  /** Removes partitions and cuts; held links stay held. */
  heal(): void {
    this.reach.heal();
    this.host.record({ type: 'heal' });
  }

  hold(from: NodeId, to: NodeId): void {
    this.reach.hold(from, to);
    this.host.record({ type: 'hold', from, to });
  }

  /** Lets a held link go: what it kept is transmitted now, in the order it was sent. */
  release(from: NodeId, to: NodeId): void {
    if (!this.reach.isHeld(from, to)) return;
    this.reach.release(from, to);
    this.host.record({ type: 'release', from, to });
    const held = this.heldMessages.get(linkKey(from, to)) ?? [];
    this.heldMessages.delete(linkKey(from, to));
    for (const message of held) this.transmit(message.from, message.to, message.msg, message.body);
  }

  setNetwork(change: Partial<LinkConfig>): void {
    const problem = validateLink(change);
    invariant(problem === null, `network: ${problem}`);
    this.link = { ...this.link, ...change };
    this.host.record({ type: 'network', change: change as JsonObject });
  }

  /** Gives one directed link its own latency for the whole run; recorded like no fault, since it is none. */
  setBaseLatency(from: NodeId, to: NodeId, latency: Latency): void {
    const problem = validateLink({ latency });
    invariant(problem === null, `link ${from} -> ${to}: ${problem}`);
    const key = linkKey(from, to);
    this.baseOverrides.set(key, { latency });
    this.linkOverrides.set(key, { latency });
  }

  setLink(from: NodeId, to: NodeId, change: Partial<LinkConfig>): void {
    const problem = validateLink(change);
    invariant(problem === null, `network: ${problem}`);
    const key = linkKey(from, to);
    this.linkOverrides.set(key, { ...(this.linkOverrides.get(key) ?? {}), ...change });
    this.host.record({ type: 'network', change: { ...(change as JsonObject), from, to } });
  }

  /**
   * Every network fault ends (the liveness phase): partitions and cuts healed, held links released, per-link
   * changes forgotten, and the configured links without loss or duplication.
   */
  healAll(): void {
    this.heal();
    for (const [from, to] of this.reach.heldLinks()) this.release(from, to);
    this.linkOverrides.clear();
    for (const [key, base] of this.baseOverrides) this.linkOverrides.set(key, base);
    this.link = { ...this.baseLink, lossRate: 0, duplicateRate: 0 };
  }

  /** The network's fault and link state as plain data, for state fingerprints (see SchedulerView). */
  stateMaterial(): Json {
    return {
      link: this.link as unknown as Json,
      overrides: [...this.linkOverrides]
        .sort((a, b) => a[0] - b[0])
        .map(([key, change]) => [key, change as JsonObject]),
      reach: this.reach.stateMaterial(),
      held: [...this.heldMessages].map(([key, messages]) => [key, messages.map((message) => message.body)]),
      // Past arrival times no longer bound anything (arrivals are never before now), so they read as 0.
      // Sorted by link: the order links were first used in depends on the interleaving, not on the state.
      lastArrival: [...this.lastArrivals()]
        .sort((a, b) => a[0] - b[0])
        .map(([key, timeMs]) => [key, Math.max(0, timeMs - this.host.now())]),
    };
  }

  /** Whether messages on this link arrive in send order now. */
  isFifo(from: NodeId, to: NodeId): boolean {
    return this.linkFor(from, to).fifo;
  }

  /** Puts one copy of a message on the wire, or on hold. */
  private transmit(from: NodeId, to: NodeId, msg: MessageRef, body: Json, link = this.linkFor(from, to)): void {
    if (this.reach.isHeld(from, to)) {
      const key = linkKey(from, to);
      const held = this.heldMessages.get(key) ?? [];
      held.push({ kind: 'message', from, to, msg, body });
      this.heldMessages.set(key, held);
      return;
    }
    let arrivalMs = roundMs(this.host.now() + sampleLatency(link.latency, this.random));
    if (link.fifo) {
      // Never before the previous message on this link; equal times keep send order through the insertion order.
      if (from < this.stride && to < this.stride) {
        const slot = from * this.stride + to;
        const lastMs = this.lastArrivalByLink[slot];
        if (lastMs > arrivalMs) arrivalMs = lastMs; // false for NaN: the link's first message
        this.lastArrivalByLink[slot] = arrivalMs;
      } else {
        const key = linkKey(from, to);
        arrivalMs = Math.max(arrivalMs, this.lastArrivalMs.get(key) ?? 0);
        this.lastArrivalMs.set(key, arrivalMs);
      }
    }
    this.host.enqueueMessage(arrivalMs, from, to, msg, body);
  }

  /** Every FIFO link that carried a message, by link key, with its latest arrival time (in no particular order). */
  private lastArrivals(): Map<number, number> {
    const all = new Map(this.lastArrivalMs);
    for (let from = 0; from < this.stride; from += 1) {
      for (let to = 0; to < this.stride; to += 1) {
        const lastMs = this.lastArrivalByLink[from * this.stride + to];
        if (!Number.isNaN(lastMs)) all.set(linkKey(from, to), lastMs);
      }
    }
    return all;
  }

  private linkFor(from: NodeId, to: NodeId): LinkConfig {
    if (this.linkOverrides.size === 0) return this.link;
    const override = this.linkOverrides.get(linkKey(from, to));
    return override === undefined ? this.link : { ...this.link, ...override };
  }
}

/** What the history can hold of a body the wire refused: its JSON form, or null when it has none (a cycle). */
function recordable(body: Json): Json {
  try {
    return JSON.parse(JSON.stringify(body) ?? 'null') as Json;
  } catch {
    return null;
  }
}
