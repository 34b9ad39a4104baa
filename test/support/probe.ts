import type { NodeId } from '../../src/core/ids.ts';
import type { Json } from '../../src/core/json.ts';
import type { NodeContext, ProtocolDefinition, ProtocolNode } from '../../src/core/node.ts';

/**
 * A protocol for testing the simulator itself: on a submission it sends `count` numbered pings to `to` (or to
 * every peer), and it can arm a timer. It delivers nothing; tests read sends, receives and timers from the history.
 */
export type ProbeMessage = { type: 'ping'; n: number };

export interface ProbeCommand {
  to?: NodeId;
  count?: number;
  timerMs?: number;
}

class ProbeNode implements ProtocolNode<ProbeMessage> {
  received = 0;
  start(): void {}
  message(): void {
    this.received += 1;
  }
  timer(ctx: NodeContext<ProbeMessage>, name: string): void {
    ctx.log(`timer ${name} fired at local ${ctx.now()}`);
  }
  submit(ctx: NodeContext<ProbeMessage>, submission: { id: string; payload: string }): void {
    const command = JSON.parse(submission.payload) as ProbeCommand;
    if (command.timerMs !== undefined) ctx.setTimer('probe', command.timerMs);
    const targets = command.to === undefined ? ctx.peers : [command.to];
    for (let n = 0; n < (command.count ?? 0); n += 1) for (const to of targets) ctx.send(to, { type: 'ping', n });
  }
  status() {
    return { role: 'peer' as const, delivered: 0, details: { received: this.received } };
  }
}

export const probe: ProtocolDefinition = {
  name: 'probe',
  seeds: [],
  summary: 'test-only: sends pings on command',
  defaults: {},
  optionDocs: {},
  promises: {},
  create: () => new ProbeNode(),
  isMessage: (value: unknown) =>
    typeof value === 'object' && value !== null && (value as Json[] & { type?: unknown }).type === 'ping',
};

export const command = (value: ProbeCommand): string => JSON.stringify(value);
