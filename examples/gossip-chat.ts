import type { NodeContext, ProtocolDefinition, ProtocolNode, Submission } from 'tob-lab';

/**
 * A protocol of your own, in full: every node broadcasts what it is given and delivers each message the moment
 * it arrives ("deliver on receive"), skipping ids it has seen. Cheap, and honest about what it promises: no
 * message twice, one sender's messages in order on FIFO links; but no common order across senders.
 */
type ChatMessage = { type: 'chat'; id: string; origin: number; payload: string };

class GossipNode implements ProtocolNode<ChatMessage> {
  private readonly seen = new Set<string>();
  private delivered = 0;

  start(): void {}

  submit(ctx: NodeContext<ChatMessage>, submission: Submission): void {
    const message: ChatMessage = { type: 'chat', id: submission.id, origin: ctx.id, payload: submission.payload };
    ctx.broadcast(message);
    this.deliver(ctx, message);
  }

  message(ctx: NodeContext<ChatMessage>, _from: number, message: ChatMessage): void {
    this.deliver(ctx, message);
  }

  timer(): void {}

  status() {
    return { role: 'peer' as const, delivered: this.delivered };
  }

  private deliver(ctx: NodeContext<ChatMessage>, message: ChatMessage): void {
    if (this.seen.has(message.id)) return; // a duplicate from the network
    this.seen.add(message.id);
    this.delivered += 1;
    ctx.deliver({ id: message.id, origin: message.origin, payload: message.payload });
  }
}

export const gossipChat: ProtocolDefinition = {
  name: 'gossip-chat',
  summary: 'deliver on receive, duplicates dropped',
  create: () => new GossipNode() as ProtocolNode,
  isMessage: (value) => typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'chat',
  promises: {
    'exactly-once': { holds: ['none', 'delay', 'loss', 'duplication', 'crash', 'partition'] },
    'fifo-order': { holds: ['none', 'duplication', 'crash'], breaks: ['delay'] },
    'total-order': {
      holds: [],
      breaks: ['none', 'delay'],
      note: 'two senders at once: each node delivers its own first',
    },
  },
};

export default gossipChat;
