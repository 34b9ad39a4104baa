import { invariant } from '../../core/assert.ts';
import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Submission } from '../../core/node.ts';
import { BoundedSet } from '../shared/bounded-set.ts';
import { compareKeys, Holdback, type HoldbackEntry, type OrderKey } from './holdback.ts';
import { isIsisRecord, type IsisFinal, type IsisMessage, type IsisProposal, type IsisRequest } from './messages.ts';
import type { IsisOptions } from './options.ts';
import { proposeTimestamp, ProposalTracker } from './proposals.ts';

type Context = NodeContext<IsisMessage>;

const TIMER_CLEANUP = 'proposal-cleanup';
const TIMER_PROPOSAL_PREFIX = 'proposal-timeout:';

/**
 * ISIS total order as seed 000 documents it: the sender asks everyone (itself included) for a proposed
 * timestamp, takes the largest as final and sends it to all; every node delivers from its holdback queue in
 * (ts, proposer, id) order once the head is final.
 *
 * Known weaknesses of the documented design, kept on purpose (the lab's job is to show them):
 * - The timeout fallback. After `proposalTimeoutMs` the sender finalizes with the proposals that arrived. A
 *   slow, not dead, peer may have placed the message at a higher proposal and delivered messages in between
 *   meanwhile; its proposal arrives late and is ignored, the final lands below what it already delivered, and
 *   nodes deliver in different orders. The same happens when a REQUEST is lost, or when a FINAL reaches a node
 *   after that node has delivered messages with larger keys.
 * - A silent peer blocks nothing at the sender (the timeout moves on without it), but a node whose holdback head
 *   is not final blocks its whole queue until that final arrives. If it never does (the sender crashed between
 *   REQUEST and FINAL, or the FINAL was lost), the documented design has no recovery: this implementation keeps
 *   the message at the head and delivers nothing behind it, for good. `status()` shows the blocking head.
 * - The holdback queue and the open proposals are volatile: a restarted node has lost what it held, so it never
 *   delivers messages whose FINAL it missed, and may deliver a late FINAL out of order.
 */
export class IsisNode implements ProtocolNode<IsisMessage> {
  private clock = 0;
  private highestProposal = 0;
  private deliveredCount = 0;
  private lastDeliveredKey: OrderKey | null = null;
  private readonly holdback: Holdback;
  private readonly tracker: ProposalTracker;
  private readonly delivered: BoundedSet<SubmissionId>;
  private readonly counts = {
    timeouts: 0,
    lateProposals: 0,
    finalsBelowProposal: 0,
    outOfOrderDeliveries: 0,
    overflowDrops: 0,
  };

  constructor(
    private readonly id: NodeId,
    private readonly nodes: readonly NodeId[],
    private readonly options: IsisOptions,
  ) {
    this.holdback = new Holdback(options.holdbackMax);
    this.tracker = new ProposalTracker(options.proposalRetentionMs, options.trackedProposalsMax);
    this.delivered = new BoundedSet(options.deliveredIdsMax);
  }

  start(ctx: Context, recovered: readonly Json[]): void {
    for (const record of recovered) {
      invariant(isIsisRecord(record), `isis node ${this.id} cannot read its own record ${JSON.stringify(record)}`);
      this.delivered.add(record.id);
      this.deliveredCount += 1;
      this.clock = Math.max(this.clock, record.clock);
    }
    // Every proposal from now on is above anything delivered before the crash, as ISIS safety needs.
    this.highestProposal = this.clock;
    ctx.setTimer(TIMER_CLEANUP, this.options.proposalRetentionMs);
  }

  submit(ctx: Context, submission: Submission): void {
    if (this.holdback.full) {
      this.counts.overflowDrops += 1;
      ctx.log(`submission ${submission.id} refused: the holdback queue is full (${this.options.holdbackMax})`);
      return;
    }
    if (!this.tracker.makeRoom()) this.finalizeOldestEarly(ctx);
    const request: IsisRequest = {
      type: 'REQUEST',
      id: submission.id,
      origin: this.id,
      payload: submission.payload,
      clock: this.clock,
    };
    this.tracker.start({
      id: submission.id,
      origin: this.id,
      payload: submission.payload,
      startedAtMs: ctx.now(),
      proposals: new Map(),
    });
    ctx.broadcast(request);
    // The sender answers its own request like any peer, without a round trip.
    const ts = this.proposeFor(submission.id, this.id, submission.payload);
    this.tracker.record(submission.id, this.id, ts);
    if (this.collectionComplete(submission.id)) this.finalize(ctx, submission.id);
    else ctx.setTimer(TIMER_PROPOSAL_PREFIX + submission.id, this.options.proposalTimeoutMs);
  }

  message(ctx: Context, from: NodeId, message: IsisMessage): void {
    switch (message.type) {
      case 'REQUEST':
        this.onRequest(ctx, message);
        return;
      case 'PROPOSE':
        this.onProposal(ctx, from, message);
        return;
      case 'FINAL':
        this.applyFinal(ctx, message);
        return;
    }
  }

  timer(ctx: Context, name: string): void {
    if (name === TIMER_CLEANUP) {
      this.tracker.sweep(ctx.now());
      ctx.setTimer(TIMER_CLEANUP, this.options.proposalRetentionMs);
      return;
    }
    invariant(name.startsWith(TIMER_PROPOSAL_PREFIX), `isis node ${this.id} has no timer named ${name}`);
    const id = name.slice(TIMER_PROPOSAL_PREFIX.length);
    const collection = this.tracker.get(id);
    if (collection === undefined) return;
    this.counts.timeouts += 1;
    const silent = this.nodes.filter((node) => !collection.proposals.has(node));
    ctx.log(`proposal timeout for ${id}: finalizing without ${silent.join(', ')} (documented fallback)`);
    this.finalize(ctx, id);
  }

  status(): NodeStatus {
    const head = this.holdback.head();
    return {
      role: 'peer',
      delivered: this.deliveredCount,
      details: {
        clock: this.clock,
        highestProposal: this.highestProposal,
        holdback: this.holdback.size,
        headId: head?.key.id ?? null,
        headFinal: head?.final ?? null,
        headTs: head?.key.ts ?? null,
        openProposals: this.tracker.openCount,
        finishedProposals: this.tracker.finishedCount,
        ...this.counts,
      },
    };
  }

  // ---------------------------------------------------------------- receiving side

  private onRequest(ctx: Context, request: IsisRequest): void {
    this.observe(request.clock);
    // Already delivered, already held, or its FINAL came first: the sender needs nothing more from us.
    if (this.delivered.has(request.id) || this.holdback.get(request.id) !== undefined) return;
    if (this.holdback.full) {
      this.counts.overflowDrops += 1;
      ctx.log(`request ${request.id} dropped: the holdback queue is full (${this.options.holdbackMax})`);
      return;
    }
    const ts = this.proposeFor(request.id, request.origin, request.payload);
    const proposal: IsisProposal = { type: 'PROPOSE', id: request.id, ts, proposer: this.id };
    ctx.send(request.origin, proposal);
  }

  /** Proposes a timestamp and holds the message, not final, at (proposal, this node). */
  private proposeFor(id: SubmissionId, origin: NodeId, payload: string): number {
    const ts = proposeTimestamp(this.clock, this.highestProposal);
    invariant(ts > this.highestProposal, 'proposals must strictly increase');
    this.highestProposal = ts;
    this.clock = ts;
    this.holdback.insert({ key: { ts, proposer: this.id, id }, final: false, origin, payload });
    return ts;
  }

  private applyFinal(ctx: Context, final: IsisFinal): void {
    this.observe(final.ts);
    if (this.delivered.has(final.id)) return;
    const entry = this.holdback.get(final.id);
    if (entry?.final === true) return;
    if (entry !== undefined) {
      if (compareKeys({ ts: final.ts, proposer: final.proposer, id: final.id }, entry.key) < 0) {
        // Our proposal was not counted (it came after the timeout): the message moves ahead of where we held it.
        this.counts.finalsBelowProposal += 1;
        ctx.log(`final for ${final.id} at ${final.ts} is below our proposal ${entry.key.ts}`);
      }
      this.holdback.finalize(final.id, final.ts, final.proposer);
    } else if (this.holdback.full) {
      this.counts.overflowDrops += 1;
      ctx.log(`final for ${final.id} dropped: the holdback queue is full (${this.options.holdbackMax})`);
      return;
    } else {
      this.holdback.insert({
        key: { ts: final.ts, proposer: final.proposer, id: final.id },
        final: true,
        origin: final.origin,
        payload: final.payload,
      });
    }
    this.deliverReady(ctx);
  }

  private deliverReady(ctx: Context): void {
    for (const entry of this.holdback.takeDeliverable()) this.deliverOne(ctx, entry);
  }

  private deliverOne(ctx: Context, entry: HoldbackEntry): void {
    invariant(entry.final, `message ${entry.key.id} delivered before its timestamp was final`);
    invariant(!this.delivered.has(entry.key.id), `message ${entry.key.id} delivered twice`);
    if (this.lastDeliveredKey !== null && compareKeys(entry.key, this.lastDeliveredKey) < 0) {
      // Not an invariant: the documented timeout fallback makes this possible, and the checkers must see it.
      this.counts.outOfOrderDeliveries += 1;
      const earlierTs = this.lastDeliveredKey.ts;
      ctx.log(`delivering ${entry.key.id} at ts ${entry.key.ts}, below an earlier delivery at ${earlierTs}`);
    } else {
      this.lastDeliveredKey = entry.key;
    }
    this.delivered.add(entry.key.id);
    this.deliveredCount += 1;
    ctx.persist({ kind: 'delivered', id: entry.key.id, ts: entry.key.ts, clock: this.clock });
    ctx.deliver({
      id: entry.key.id,
      origin: entry.origin,
      payload: entry.payload,
      order: { ts: entry.key.ts, proposer: entry.key.proposer },
    });
  }

  // ---------------------------------------------------------------- sending side

  private onProposal(ctx: Context, from: NodeId, proposal: IsisProposal): void {
    this.observe(proposal.ts);
    if (proposal.proposer !== from) {
      ctx.log(`proposal for ${proposal.id} from ${from} names proposer ${proposal.proposer}: ignored`);
      return;
    }
    const outcome = this.tracker.record(proposal.id, from, proposal.ts);
    if (outcome === 'late') {
      this.counts.lateProposals += 1;
      ctx.log(`late proposal ${proposal.ts} from ${from} for ${proposal.id}: already final, ignored`);
    }
    if (outcome === 'recorded' && this.collectionComplete(proposal.id)) this.finalize(ctx, proposal.id);
  }

  private collectionComplete(id: SubmissionId): boolean {
    const collection = this.tracker.get(id);
    return collection !== undefined && collection.proposals.size >= this.nodes.length;
  }

  private finalize(ctx: Context, id: SubmissionId): void {
    ctx.cancelTimer(TIMER_PROPOSAL_PREFIX + id);
    const { collection, choice } = this.tracker.close(id, ctx.now());
    const final: IsisFinal = {
      type: 'FINAL',
      id,
      origin: collection.origin,
      payload: collection.payload,
      ts: choice.ts,
      proposer: choice.proposer,
    };
    ctx.broadcast(final);
    this.applyFinal(ctx, final);
  }

  /** Keeps the tracked proposals bounded when every tracked entry is still waiting: the oldest gives up early. */
  private finalizeOldestEarly(ctx: Context): void {
    const oldest = this.tracker.oldestOpen();
    invariant(oldest !== undefined, 'the proposal tracker is full but has nothing open');
    ctx.log(`finalizing ${oldest.id} early: ${this.options.trackedProposalsMax} proposal collections are tracked`);
    this.finalize(ctx, oldest.id);
  }

  /** The Lamport receive rule: the clock never falls behind a timestamp this node has seen. */
  private observe(ts: number): void {
    this.clock = Math.max(this.clock, ts);
  }
}
