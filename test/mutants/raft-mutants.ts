import type { NodeId } from '../../src/core/ids.ts';
import type { NodeContext, ProtocolDefinition } from '../../src/core/node.ts';
import { raft, type RaftOptions } from '../../src/protocols/raft/index.ts';
import type { RaftMessage, RaftRecord } from '../../src/protocols/raft/messages.ts';
import { RaftNode } from '../../src/protocols/raft/node.ts';

/**
 * Raft with planted bugs: each is the real node with one rule of the paper broken, the classic mistakes of a
 * first Raft. The differential property search must catch every one.
 */
type Context = NodeContext<RaftMessage>;

function mutant(name: string, build: (id: NodeId, options: RaftOptions) => RaftNode): ProtocolDefinition {
  return {
    ...(raft as unknown as ProtocolDefinition),
    name,
    create: (config) => build(config.id, config.options as RaftOptions),
  };
}

/** Figure 8's trap: commits whatever a majority stores, even an entry of an earlier term. */
class CommitsEarlierTermByCount extends RaftNode {
  protected override advanceCommit(ctx: Context): void {
    const progress = this.progress;
    if (progress === null) return;
    const index = progress.majorityIndex(this.log.lastIndex, ctx.nodes.length);
    if (index <= this.commitIndex) return;
    this.commitIndex = index;
    // Deliver through the real code path: a heartbeat-free way to reach apply is a follower-style commit.
    (this as unknown as { apply(ctx: Context): void }).apply(ctx);
  }
}

/** Grants (pre-)votes without the election restriction: a candidate with a stale log can win. */
class VotesWithoutUpToDateCheck extends RaftNode {
  protected override isUpToDate(): boolean {
    return true;
  }
}

/** Keeps votedFor in memory only: the term is persisted, the vote is not, so a restart forgets it. */
class ForgetsVoteOnRestart extends RaftNode {
  protected override persist(ctx: Context, record: RaftRecord): void {
    super.persist(ctx, record.kind === 'vote' ? { ...record, votedFor: null } : record);
  }
}

export const commitsEarlierTermByCount = mutant(
  'raft-mutant-commits-earlier-term',
  (id, options) => new CommitsEarlierTermByCount(id, options),
);
export const votesWithoutUpToDateCheck = mutant(
  'raft-mutant-votes-without-log-check',
  (id, options) => new VotesWithoutUpToDateCheck(id, options),
);
export const forgetsVoteOnRestart = mutant(
  'raft-mutant-forgets-vote',
  (id, options) => new ForgetsVoteOnRestart(id, options),
);
