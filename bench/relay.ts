import type { Json } from '../src/core/json.ts';
import type { NodeContext, ProtocolDefinition, ProtocolNode } from '../src/core/node.ts';
import { Simulator } from '../src/sim/simulator.ts';
import { cpuSinceMs } from './workload.ts';

/**
 * The simulator's own overhead, measured with the bare loop's traffic: a protocol that does nothing but pass
 * tokens on. Each node starts with a share of TOKENS tokens and forwards every token it receives to a peer drawn
 * from its own random stream, so TOKENS messages are always in flight (the bare loop's population) and every
 * queue event makes exactly one new one. History recording is on (a send and a receive per event).
 */
export const RELAY_TOKENS = 32;

type Token = { type: 'token'; n: number };

class RelayNode implements ProtocolNode<Token> {
  constructor(private readonly tokens: number) {}

  start(ctx: NodeContext<Token>): void {
    for (let n = 0; n < this.tokens; n += 1) ctx.send(pick(ctx), { type: 'token', n });
  }

  message(ctx: NodeContext<Token>, _from: number, token: Token): void {
    ctx.send(pick(ctx), token);
  }

  timer(): void {}

  submit(): void {}

  status() {
    return { role: 'peer' as const, delivered: 0 };
  }
}

function pick(ctx: NodeContext<Token>): number {
  return ctx.peers[Math.floor(ctx.random() * ctx.peers.length)];
}

export const relayProtocol: ProtocolDefinition = {
  name: 'relay (bench)',
  seeds: [],
  summary: 'bench-only: passes tokens around; no ordering, no delivery',
  defaults: {},
  optionDocs: {},
  promises: {},
  create: ({ id, nodes }) =>
    new RelayNode(Math.floor(RELAY_TOKENS / nodes.length) + (id <= RELAY_TOKENS % nodes.length ? 1 : 0)),
  isMessage: (value: unknown) =>
    typeof value === 'object' && value !== null && (value as { [key: string]: Json }).type === 'token',
};

/** Runs the relay on 5 nodes (default network) for `events` queue events; returns events per CPU second. */
export function runRelay(events: number, seed: number): { events: number; historyEvents: number; cpuMs: number } {
  const sim = new Simulator({ seed, protocol: relayProtocol, nodeCount: 5, maxEvents: events });
  const start = process.cpuUsage();
  sim.start();
  sim.runUntil(Number.MAX_SAFE_INTEGER);
  return { events: sim.eventsHandled, historyEvents: sim.history.events.length, cpuMs: cpuSinceMs(start) };
}
