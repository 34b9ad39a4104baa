import type { NodeId } from '../../src/core/ids.ts';
import type { Json } from '../../src/core/json.ts';
import type { NodeContext, ProtocolDefinition } from '../../src/core/node.ts';
import { sequencer, type SequencerOptions } from '../../src/protocols/sequencer/index.ts';
import type { Entry, SequencerMessage } from '../../src/protocols/sequencer/messages.ts';
import { SequencerNode } from '../../src/protocols/sequencer/node.ts';

/**
 * Sequencers with planted bugs. Each is the real protocol with one decision changed, the kind of mistake the
 * seeds' own change logs describe; the property search must catch every one.
 */
type Context = NodeContext<SequencerMessage>;

function mutant(name: string, build: (id: NodeId, options: SequencerOptions) => SequencerNode): ProtocolDefinition {
  return {
    ...(sequencer as unknown as ProtocolDefinition),
    name,
    create: (config) => build(config.id, config.options as SequencerOptions),
  };
}

/**
 * After a failover the new leader hands out its last sequence number once more (an off-by-one in where numbering
 * resumes) and stores the new entry where its number says, over the entry already there.
 */
class ReusesSeqAfterFailover extends SequencerNode {
  private reusedInTerm = 0;

  protected override sequence(ctx: Context, id: string, origin: NodeId, payload: string): void {
    if (this.term <= 1 || this.reusedInTerm === this.term || this.lastSeq === 0) {
      super.sequence(ctx, id, origin, payload);
      return;
    }
    this.reusedInTerm = this.term;
    const entry: Entry = { term: this.term, seq: this.lastSeq, id, origin, payload };
    this.log[entry.seq - 1] = entry;
    ctx.deliver({ id, origin, payload, order: { seq: entry.seq, term: entry.term } });
    ctx.broadcast({ type: 'SEQ_CHAT', ...entry });
  }
}

/** On restart, hands every recovered log entry to the application again. */
class RedeliversLogAfterRestart extends SequencerNode {
  override start(ctx: Context, recovered: readonly Json[]): void {
    super.start(ctx, recovered);
    for (const entry of this.log) {
      ctx.deliver({
        id: entry.id,
        origin: entry.origin,
        payload: entry.payload,
        order: { seq: entry.seq, term: entry.term },
      });
    }
  }
}

/**
 * Follows whoever claims to lead, whatever its term or priority: a stale leader's heartbeat wins a follower back,
 * and a leader steps down for any claimant.
 */
class AcceptsAnyCoordinator extends SequencerNode {
  protected override onLeaderClaim(ctx: Context, from: NodeId, term: number, leaderLastSeq: number): void {
    if (from === this.leader && term === this.term && this.role === 'follower') {
      super.onLeaderClaim(ctx, from, term, leaderLastSeq);
      return;
    }
    // Adopt the claimant's term even when it is older, then let the real code treat it as a fresh claim.
    this.term = Math.min(this.term, term);
    this.role = 'follower';
    this.leader = null;
    super.onLeaderClaim(ctx, from, term, leaderLastSeq);
  }
}

export const reusesSeqAfterFailover = mutant(
  'mutant-reuses-seq',
  (id, options) => new ReusesSeqAfterFailover(id, options),
);
export const redeliversLogAfterRestart = mutant(
  'mutant-redelivers-log',
  (id, options) => new RedeliversLogAfterRestart(id, options),
);
export const acceptsAnyCoordinator = mutant(
  'mutant-accepts-any-coordinator',
  (id, options) => new AcceptsAnyCoordinator(id, options),
);
