import { invariant, InvariantError } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Role, Submission } from '../../core/node.ts';
import { nextCount, prefixWithin } from '../shared/schema.ts';
import {
  CATCHUP_ENTRIES_MAX,
  entryOf,
  entryRecord,
  type Entry,
  type SequencerMessage,
  type SequencerRecord,
} from './messages.ts';
import type { SequencerOptions } from './options.ts';

export type { SequencerOptions } from './options.ts';

type Context = NodeContext<SequencerMessage>;
type SeqChat = Extract<SequencerMessage, { type: 'SEQ_CHAT' }>;

const TIMER_HEARTBEAT = 'heartbeat';
const TIMER_LEADER = 'leader-timeout';
const TIMER_ELECTION = 'election';
const TIMER_COORDINATOR = 'coordinator-wait';
const TIMER_CATCHUP = 'catchup';
const TIMER_FORWARD = 'forward-retry';
/** The forward retry interval doubles while nothing is delivered, up to this many times its base. */
const FORWARD_BACKOFF_FACTOR_MAX = 8;

/**
 * The sequencer of seeds 001 and 004: the leader numbers every chat message, everyone delivers in number order.
 *
 * Where the documented design goes wrong under faults (kept as documented; the lab's job is to show it):
 * - No quorum. Under a partition each side elects a leader (Bully only asks the nodes it can reach), both number
 *   messages from the same next seq, and after the heal followers silently drop the other side's numbers as
 *   "already seen" (seq <= lastSeq): the logs diverge for good (total order and delivery both break).
 * - A new leader continues from its own lastSeq. If it missed the last entries of the old leader (lost, or still
 *   in a gap it had not caught up), it hands the same seq to a different message.
 * - Candidates that cannot hear each other both pick maxTermSeen + 1: two leaders in one term.
 * - A forwarded CHAT is sent once; if the leader dies before numbering it, it is lost (fix: retryForwards).
 * - Duplicates are recognised by (term, seq) only: a duplicated CHAT is numbered twice and delivered twice
 *   (fix: dedupSubmissions).
 * - A paused leader resumes believing it leads and keeps numbering until it hears of a newer term.
 */
export class SequencerNode implements ProtocolNode<SequencerMessage> {
  // Members are protected rather than private so that test/mutants can plant bugs in subclasses.
  private readonly id: NodeId;
  private readonly options: SequencerOptions;
  protected term = 0;
  private maxTermSeen = 0;
  protected role: Role = 'follower';
  protected leader: NodeId | null = null;
  /**
   * Delivered entries in seq order: log[k] has seq k + 1. The durable append-only log, in memory: the very
   * records persisted (an entry plus its kind), so that each entry is held once, not twice; they leave the node
   * only through catch-up, as plain entries.
   */
  protected readonly log: Entry[] = [];
  /** Ids logged so far; kept only with dedupSubmissions, the one option that reads it. */
  private readonly deliveredIds = new Set<string>();
  /** Entries that arrived ahead of a gap, by seq. */
  private readonly buffer = new Map<number, Entry>();
  /** Submissions waiting for a leader (and, with retryForwards, until they are delivered). */
  private readonly pending = new Map<string, Submission>();
  private electing = false;
  private lastAnnounced = '';
  private catchupInFlight = false;
  /** With retryForwards: the current wait before pending forwards are re-sent (backs off while nothing lands). */
  private forwardRetryMs = 0;
  private forwardTimerArmed = false;

  constructor(id: NodeId, options: SequencerOptions) {
    this.id = id;
    this.options = options;
  }

  protected get lastSeq(): number {
    return this.log.length;
  }

  start(ctx: Context, recovered: readonly Json[]): void {
    for (const record of recovered as readonly SequencerRecord[]) this.recover(record);
    this.maxTermSeen = this.term;
    this.announce(ctx);
    // Ask who leads before bullying: a restarted high-priority node rejoins as a follower (seed 004, scenario 2).
    ctx.broadcast({ type: 'JOIN', term: this.term });
    ctx.setTimer(TIMER_LEADER, this.options.joinTimeoutMs);
  }

  private recover(record: SequencerRecord): void {
    if (record.kind === 'term') {
      invariant(record.term >= this.term, `term went backwards in the log: ${record.term} < ${this.term}`);
      this.term = record.term;
      return;
    }
    invariant(record.seq === this.lastSeq + 1, `log entry seq ${record.seq} after ${this.lastSeq}`);
    this.append(entryOf(record));
  }

  submit(ctx: Context, submission: Submission): void {
    if (this.role === 'leader') {
      this.sequence(ctx, submission.id, this.id, submission.payload);
      return;
    }
    if (this.pending.size >= this.options.pendingMax) {
      ctx.log(`pending queue full (${this.options.pendingMax}): submission ${submission.id} dropped`);
      return;
    }
    if (!this.options.retryForwards) {
      const leader = this.leader;
      if (leader !== null && leader !== this.id && this.pending.size === 0) {
        // What forwardPending would do with this one pending submission, without queueing it: with a leader known
        // nothing else is pending (forwardPending empties the queue whenever a leader becomes known).
        ctx.send(leader, { type: 'CHAT', id: submission.id, origin: this.id, payload: submission.payload });
        return;
      }
      this.pending.set(submission.id, submission);
      this.forwardPending(ctx);
      return;
    }
    this.pending.set(submission.id, submission);
    // Only the new submission goes out now; the others were sent already and are re-sent by the retry timer
    // or on a leader change -- re-sending every pending one per submission made the traffic quadratic.
    const leader = this.knownLeader();
    if (leader !== null)
      ctx.send(leader, { type: 'CHAT', id: submission.id, origin: this.id, payload: submission.payload });
    this.armForwardRetry(ctx);
  }

  message(ctx: Context, from: NodeId, message: SequencerMessage): void {
    if ('term' in message && message.term > this.maxTermSeen) this.maxTermSeen = message.term;
    switch (message.type) {
      case 'JOIN':
        ctx.send(from, { type: 'JOIN_ACK', term: this.term, leader: this.knownLeader(), lastSeq: this.lastSeq });
        return;
      case 'JOIN_ACK':
        // Only the leader's own answer establishes it; a follower's belief may be stale.
        if (message.leader === from) this.onLeaderClaim(ctx, from, message.term, message.lastSeq);
        return;
      case 'HEARTBEAT':
      case 'COORDINATOR':
        this.onLeaderClaim(ctx, from, message.term, message.lastSeq);
        return;
      case 'ELECTION':
        this.onElection(ctx, from);
        return;
      case 'ELECTION_OK':
        this.onElectionOk(ctx);
        return;
      case 'CHAT':
        this.onChat(ctx, message);
        return;
      case 'SEQ_CHAT':
        // The message is read as the entry it carries (the schema admits no other key), without a copy: what is
        // logged or buffered is built from it field by field (entryRecord) or kept unchanged.
        if (message.term > this.term) this.onLeaderClaim(ctx, from, message.term, message.seq);
        this.onEntry(ctx, message);
        return;
      case 'CATCHUP_REQ':
        this.onCatchupRequest(ctx, from, message.afterSeq);
        return;
      case 'CATCHUP_RESP':
        this.onCatchupResponse(ctx, message.entries, message.lastSeq);
        return;
    }
  }

  timer(ctx: Context, name: string): void {
    switch (name) {
      case TIMER_HEARTBEAT:
        if (this.role !== 'leader') return;
        ctx.broadcast({ type: 'HEARTBEAT', term: this.term, lastSeq: this.lastSeq });
        ctx.setTimer(TIMER_HEARTBEAT, this.options.heartbeatIntervalMs);
        return;
      case TIMER_LEADER:
        ctx.log(this.leader === null ? 'no leader known: starting an election' : `leader ${this.leader} suspected`);
        this.startElection(ctx);
        return;
      case TIMER_ELECTION:
        // Nobody of higher priority answered: this node is the highest reachable one.
        this.becomeLeader(ctx);
        return;
      case TIMER_COORDINATOR:
        // A higher node answered but never announced itself: try again.
        this.startElection(ctx);
        return;
      case TIMER_CATCHUP:
        this.catchupInFlight = false;
        if (this.buffer.size > 0) this.requestCatchup(ctx);
        return;
      case TIMER_FORWARD:
        this.forwardTimerArmed = false;
        if (this.pending.size === 0) return;
        this.forwardRetryMs = Math.min(
          this.forwardRetryMs * 2,
          this.options.forwardRetryMs * FORWARD_BACKOFF_FACTOR_MAX,
        );
        this.forwardPending(ctx);
        this.armForwardRetry(ctx);
        return;
    }
  }

  status(): NodeStatus {
    return {
      role: this.role,
      term: this.term,
      leader: this.leader,
      delivered: this.lastSeq,
      details: { lastSeq: this.lastSeq, buffered: this.buffer.size, pending: this.pending.size },
    };
  }

  // ------------------------------------------------------------------ election (Bully with terms)

  private knownLeader(): NodeId | null {
    return this.role === 'leader' ? this.id : this.leader;
  }

  private startElection(ctx: Context): void {
    ctx.cancelTimer(TIMER_LEADER);
    ctx.cancelTimer(TIMER_COORDINATOR);
    this.electing = true;
    this.setRole(ctx, 'candidate', null);
    const higher = ctx.peers.filter((peer) => peer > this.id);
    if (higher.length === 0) {
      this.becomeLeader(ctx);
      return;
    }
    for (const peer of higher) ctx.send(peer, { type: 'ELECTION', term: this.maxTermSeen });
    ctx.setTimer(TIMER_ELECTION, this.options.electionTimeoutMs);
  }

  private onElection(ctx: Context, from: NodeId): void {
    if (from > this.id) return; // Bully: only lower-priority nodes ask us.
    ctx.send(from, { type: 'ELECTION_OK', term: this.maxTermSeen });
    if (this.role === 'leader') {
      // Already leading: tell the asker instead of starting a new term.
      ctx.send(from, { type: 'COORDINATOR', term: this.term, lastSeq: this.lastSeq });
      return;
    }
    if (!this.electing) this.startElection(ctx);
  }

  private onElectionOk(ctx: Context): void {
    if (!this.electing) return;
    ctx.cancelTimer(TIMER_ELECTION);
    ctx.setTimer(TIMER_COORDINATOR, this.options.coordinatorTimeoutMs);
  }

  private becomeLeader(ctx: Context): void {
    const term = nextCount(this.maxTermSeen);
    if (term === null) {
      // Only a forged message could have pushed terms this far; leading with an unrepresentable term would make
      // every peer refuse this node's frames. Stay a candidate and say so.
      ctx.log(`term ${this.maxTermSeen} is the largest a peer accepts: refusing to lead with a newer one`);
      return;
    }
    this.electing = false;
    ctx.cancelTimer(TIMER_ELECTION);
    ctx.cancelTimer(TIMER_COORDINATOR);
    ctx.cancelTimer(TIMER_LEADER);
    this.setTerm(ctx, term);
    this.setRole(ctx, 'leader', this.id);
    ctx.broadcast({ type: 'COORDINATOR', term: this.term, lastSeq: this.lastSeq });
    ctx.setTimer(TIMER_HEARTBEAT, this.options.heartbeatIntervalMs);
    // Documented: numbering continues from this node's own lastSeq (see the class comment for the hazard).
    this.forwardPending(ctx);
  }

  /** A HEARTBEAT, COORDINATOR, leader JOIN_ACK or newer-term SEQ_CHAT from `from`. */
  protected onLeaderClaim(ctx: Context, from: NodeId, term: number, leaderLastSeq: number): void {
    if (term < this.term) {
      // A stale leader (say, back from a partition): tell it about the newer term so it steps down.
      if (this.role === 'leader') ctx.send(from, { type: 'COORDINATOR', term: this.term, lastSeq: this.lastSeq });
      return;
    }
    if ((this.role === 'leader' || this.electing) && from < this.id) {
      // Bully: a lower-priority claimant never wins against a live higher one; take over with a newer term.
      if (this.role === 'leader') this.becomeLeader(ctx);
      return;
    }
    const changed = from !== this.leader || term !== this.term || this.role !== 'follower';
    if (changed) {
      // Election cancellation: a coordinator of higher priority (or newer term) appeared.
      this.electing = false;
      ctx.cancelTimer(TIMER_ELECTION);
      ctx.cancelTimer(TIMER_COORDINATOR);
      ctx.cancelTimer(TIMER_HEARTBEAT);
      this.setTerm(ctx, term);
      this.setRole(ctx, 'follower', from);
      this.forwardPending(ctx);
    }
    ctx.setTimer(TIMER_LEADER, this.options.leaderTimeoutMs);
    if (leaderLastSeq > this.lastSeq) this.requestCatchup(ctx);
  }

  protected setTerm(ctx: Context, term: number): void {
    invariant(term >= this.term, () => `term must never go backwards: ${term} < ${this.term}`);
    if (term === this.term) return;
    this.term = term;
    if (term > this.maxTermSeen) this.maxTermSeen = term;
    const record: SequencerRecord = { kind: 'term', term };
    ctx.persist(record);
  }

  protected setRole(ctx: Context, role: Role, leader: NodeId | null): void {
    this.role = role;
    this.leader = leader;
    this.announce(ctx);
  }

  /** Announces role, term and leader whenever any of them changed since the last announcement. */
  private announce(ctx: Context): void {
    const key = `${this.role}/${this.term}/${this.leader}`;
    if (key === this.lastAnnounced) return;
    this.lastAnnounced = key;
    ctx.announce({ role: this.role, term: this.term, leader: this.leader });
  }

  // ------------------------------------------------------------------ ordering

  /** Sends queued submissions to the leader (or numbers them, on the leader). */
  private forwardPending(ctx: Context): void {
    const leader = this.knownLeader();
    if (leader === null) return;
    if (this.options.retryForwards && leader !== this.id) this.armForwardRetry(ctx);
    for (const submission of [...this.pending.values()]) {
      if (leader === this.id) {
        this.pending.delete(submission.id);
        this.sequence(ctx, submission.id, this.id, submission.payload);
        continue;
      }
      ctx.send(leader, { type: 'CHAT', id: submission.id, origin: this.id, payload: submission.payload });
      if (!this.options.retryForwards) this.pending.delete(submission.id);
    }
  }

  private armForwardRetry(ctx: Context): void {
    if (this.forwardTimerArmed || this.pending.size === 0) return;
    if (this.forwardRetryMs === 0) this.forwardRetryMs = this.options.forwardRetryMs;
    this.forwardTimerArmed = true;
    ctx.setTimer(TIMER_FORWARD, this.forwardRetryMs);
  }

  private onChat(ctx: Context, chat: Extract<SequencerMessage, { type: 'CHAT' }>): void {
    if (this.role === 'leader') {
      this.sequence(ctx, chat.id, chat.origin, chat.payload);
    } else if (this.leader !== null && this.leader !== this.id) {
      ctx.send(this.leader, chat); // Stale forward: pass it on to the leader we know.
    } else {
      ctx.log(`CHAT ${chat.id} from ${chat.origin} dropped: no leader known`);
    }
  }

  protected sequence(ctx: Context, id: string, origin: NodeId, payload: string): void {
    invariant(this.role === 'leader', 'only the leader assigns sequence numbers');
    if (this.options.dedupSubmissions && this.deliveredIds.has(id)) return;
    // The message is read as the entry it carries (deliverEntry copies what it keeps), so no entry is made apart.
    const message: SeqChat = { type: 'SEQ_CHAT', term: this.term, seq: this.lastSeq + 1, id, origin, payload };
    this.deliverEntry(ctx, message);
    ctx.broadcast(message);
  }

  private onEntry(ctx: Context, entry: Entry): void {
    // Exactly once by (term, seq), as documented: the log only grows, so a (term, seq) already logged has a seq
    // at most lastSeq, and this one test refuses it. Documented too: a seq already delivered counts as seen, even
    // when it names a different message (see the class comment).
    if (entry.seq <= this.lastSeq) return;
    if (entry.seq > this.lastSeq + 1) {
      if (this.buffer.size < this.options.bufferMax) this.buffer.set(entry.seq, entryOf(entry));
      this.requestCatchup(ctx);
      return;
    }
    this.deliverEntry(ctx, entry);
    for (let next = this.buffer.get(this.lastSeq + 1); next !== undefined; next = this.buffer.get(this.lastSeq + 1)) {
      this.buffer.delete(next.seq);
      this.deliverEntry(ctx, next);
    }
    if (this.buffer.size === 0) return;
    for (const seq of [...this.buffer.keys()]) if (seq <= this.lastSeq) this.buffer.delete(seq);
  }

  private deliverEntry(ctx: Context, entry: Entry): void {
    // Not invariant() with a message closure: this runs on every delivery.
    if (entry.seq !== this.lastSeq + 1) throw new InvariantError(`delivering seq ${entry.seq} after ${this.lastSeq}`);
    if (this.options.dedupSubmissions && this.deliveredIds.has(entry.id)) {
      // Keep the seq slot (others number the same way) but do not hand the duplicate to the application.
      const record = entryRecord(entry);
      this.append(record);
      ctx.persist(record);
      return;
    }
    const record = entryRecord(entry);
    this.append(record);
    ctx.persist(record);
    ctx.deliver({
      id: entry.id,
      origin: entry.origin,
      payload: entry.payload,
      order: { seq: entry.seq, term: entry.term },
    });
    if (entry.origin === this.id) {
      // Progress: the next retry of whatever is still pending starts from the base interval again.
      if (this.pending.delete(entry.id)) this.forwardRetryMs = this.options.forwardRetryMs;
      ctx.ack(entry.id);
    }
  }

  protected append(entry: Entry): void {
    this.log.push(entry);
    if (this.options.dedupSubmissions) this.deliveredIds.add(entry.id);
  }

  // ------------------------------------------------------------------ catch-up

  private requestCatchup(ctx: Context): void {
    const leader = this.leader;
    if (this.catchupInFlight || leader === null || leader === this.id) return;
    this.catchupInFlight = true;
    ctx.log(`catch-up: asking leader ${leader} for entries after seq ${this.lastSeq}`);
    ctx.send(leader, { type: 'CATCHUP_REQ', afterSeq: this.lastSeq });
    ctx.setTimer(TIMER_CATCHUP, this.options.catchupRetryMs);
  }

  private onCatchupRequest(ctx: Context, from: NodeId, afterSeq: number): void {
    if (this.role !== 'leader' || afterSeq >= this.lastSeq) return;
    // Capped by bytes as well as by count, so a batch of large entries still fits one frame.
    const countMax = Math.min(this.options.catchupBatchMax, CATCHUP_ENTRIES_MAX);
    const entries = prefixWithin(this.log.slice(afterSeq, afterSeq + countMax).map(entryOf), countMax);
    ctx.send(from, { type: 'CATCHUP_RESP', term: this.term, lastSeq: this.lastSeq, entries });
  }

  private onCatchupResponse(ctx: Context, entries: readonly Entry[], leaderLastSeq: number): void {
    this.catchupInFlight = false;
    ctx.cancelTimer(TIMER_CATCHUP);
    const before = this.lastSeq;
    for (const entry of entries) this.onEntry(ctx, entryOf(entry));
    ctx.log(`catch-up: received ${entries.length} entries, now at seq ${this.lastSeq} (was ${before})`);
    if (leaderLastSeq > this.lastSeq) this.requestCatchup(ctx);
  }
}
