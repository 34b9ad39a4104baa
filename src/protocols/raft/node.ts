import { invariant, InvariantError } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Role, Submission } from '../../core/node.ts';
import { RaftLog } from './log.ts';
import {
  stringBytes,
  type Entry,
  type Forwarded,
  isRaftRecord,
  isSubmissionEntry,
  type RaftMessage,
  type RaftRecord,
  type SubmissionEntry,
} from './messages.ts';
import type { RaftOptions } from './options.ts';
import { Outbox } from './outbox.ts';
import { LeaderProgress } from './progress.ts';

type Context = NodeContext<RaftMessage>;
type Message<Type extends RaftMessage['type']> = Extract<RaftMessage, { type: Type }>;

const TIMER_ELECTION = 'election';
const TIMER_HEARTBEAT = 'heartbeat';
const TIMER_FORWARD = 'forward-retry';
const TIMER_VOTE_RETRY = 'vote-retry';

/**
 * Raft (Ongaro and Ousterhout 2014) as total-order broadcast: every submission becomes a log entry, and applying
 * committed entries in index order is delivery. Written from figure 2 of the paper, plus pre-vote (thesis 9.6).
 *
 * Durability: currentTerm and votedFor ('vote' records), the log ('log' records, which also express truncation),
 * this node's own submissions ('submit') and how far it has applied ('applied') are persisted in the handler
 * that changes them, and both hosts sync a handler's records before its messages leave, so no reply ever depends
 * on state a crash could take back. Deliveries follow the 'applied' record, so a restart never delivers twice.
 *
 * Exactly once and FIFO: each origin numbers its submissions (durably) and retries them until it applies them;
 * a leader appends an origin's submission only right after that origin's previous one in its log, so every log
 * holds each origin's submissions once, in order. Applying also skips an (origin, seq) already applied.
 *
 * Left out: snapshots and log compaction (the log and the submit records grow for the life of the cluster), and
 * membership changes.
 *
 * The loops on the hot paths index their arrays rather than use for-of: until the JIT has compiled a handler
 * (some tens of thousands of events into a run), every step of a for-of allocates an iterator result.
 */
export class RaftNode implements ProtocolNode<RaftMessage> {
  // Protected rather than private so that test/mutants can plant bugs in subclasses.
  protected readonly id: NodeId;
  protected readonly options: RaftOptions;
  protected currentTerm = 0;
  protected votedFor: NodeId | null = null;
  protected readonly log = new RaftLog();
  protected commitIndex = 0;
  protected lastApplied = 0;
  protected role: Role = 'follower';
  protected leader: NodeId | null = null;
  protected progress: LeaderProgress | null = null;
  /** Set by an APPEND of the current leader, cleared when the election timer fires: deny pre-votes meanwhile. */
  private leaderContactFresh = false;
  /**
   * The election timer (section 5.2), kept as one pending timer rather than re-armed on every message: the current
   * period began at `electionPeriodStartMs` (local clock) and lasts `electionTimeoutMs`, drawn from ctx.random at
   * each new period. Hearing from the leader only moves the start; when the timer fires early it is armed again
   * for what is left. False while this node leads (it has no election timer).
   */
  private electionArmed = false;
  private electionPeriodStartMs = 0;
  private electionTimeoutMs = 0;
  private preVoting = false;
  private readonly votes = new Set<NodeId>();
  /** Peers that answered the current (pre-)vote request; the others are asked again (section 5.1: RPCs are retried). */
  private readonly answered = new Set<NodeId>();
  /**
   * Per origin, the highest submission seq applied here (duplicates are skipped against it); indexed by node id,
   * as loggedSeq: both are read for every entry.
   */
  private readonly appliedSeq: number[] = [];
  /** On a leader: per origin, the highest submission seq anywhere in its log. */
  private loggedSeq: number[] = [];
  private readonly outbox = new Outbox();
  private forwardArmed = false;
  /** The last seq this node had numbered when the retry timer was armed: later ones are too young to retry. */
  private forwardSeqArmed = 0;
  /**
   * The highest seq of this node's own submissions seen in its log, in an entry of term `ownLoggedTerm`
   * (volatile). While that is the current term, the leader of the term has them all (an origin's submissions
   * sit in a log in seq order, and that leader's log matches ours up to that entry) and never drops them in its
   * term, so the retry timer leaves them alone; a new term, or a truncation, brings the retries back.
   */
  private ownLoggedSeq = 0;
  private ownLoggedTerm = 0;
  private delivered = 0;
  private lastAnnounced = '';
  private nodeCount = 0;

  constructor(id: NodeId, options: RaftOptions) {
    this.id = id;
    this.options = options;
  }

  start(ctx: Context, recovered: readonly Json[]): void {
    this.nodeCount = ctx.nodes.length;
    for (const record of recovered) {
      invariant(
        isRaftRecord(record),
        () => `node ${this.id}: not a raft record in the durable log: ${JSON.stringify(record)}`,
      );
      this.recover(record);
    }
    // Applied entries were committed; the commit index itself is volatile (figure 2).
    this.commitIndex = this.lastApplied;
    for (let index = 1; index <= this.lastApplied; index += 1) this.noteApplied(this.log.at(index));
    this.announce(ctx);
    this.restartElectionPeriod(ctx);
    if (this.outbox.size > 0) this.armForwardTimer(ctx);
  }

  protected recover(record: RaftRecord): void {
    switch (record.kind) {
      case 'vote':
        invariant(
          record.term >= this.currentTerm,
          () => `term went backwards in the log: ${record.term} < ${this.currentTerm}`,
        );
        this.currentTerm = record.term;
        this.votedFor = record.votedFor;
        return;
      case 'log':
        invariant(
          record.from > this.lastApplied,
          () => `the log rewrites applied entry ${record.from} (applied ${this.lastApplied})`,
        );
        this.log.replace(record.from, record.entries);
        return;
      case 'submit':
        this.outbox.restore({ seq: record.seq, id: record.id, payload: record.payload });
        return;
      case 'applied':
        invariant(
          record.index >= this.lastApplied,
          () => `applied index went backwards: ${record.index} < ${this.lastApplied}`,
        );
        invariant(
          record.index <= this.log.lastIndex,
          () => `applied index ${record.index} beyond the log (${this.log.lastIndex})`,
        );
        this.lastApplied = record.index;
        return;
    }
  }

  submit(ctx: Context, submission: Submission): void {
    if (this.outbox.size >= this.options.pendingMax) {
      ctx.log(`submission ${submission.id} refused: ${this.options.pendingMax} submissions already pending`);
      return;
    }
    const bytes = stringBytes(submission.payload);
    if (bytes > this.options.payloadBytesMax) {
      ctx.log(
        `submission ${submission.id} refused: payload of ${bytes} bytes, more than payloadBytesMax ${this.options.payloadBytesMax}`,
      );
      return;
    }
    const forwarded = this.outbox.add(submission.id, submission.payload);
    this.persist(ctx, { kind: 'submit', seq: forwarded.seq, id: forwarded.id, payload: forwarded.payload });
    if (this.role === 'leader') this.offer(ctx, this.id, [forwarded]);
    else if (this.leader !== null) ctx.send(this.leader, { type: 'FORWARD', submissions: [forwarded] });
    this.armForwardTimer(ctx);
  }

  message(ctx: Context, from: NodeId, message: RaftMessage): void {
    switch (message.type) {
      case 'VOTE':
        if (message.pre) this.onPreVote(ctx, from, message);
        else this.onVote(ctx, from, message);
        return;
      case 'VOTE_RESP':
        if (message.pre) this.onPreVoteResponse(ctx, from, message);
        else this.onVoteResponse(ctx, from, message);
        return;
      case 'APPEND':
        this.onAppend(ctx, from, message);
        return;
      case 'APPEND_RESP':
        this.onAppendResponse(ctx, from, message);
        return;
      case 'FORWARD':
        // Only the leader takes submissions; the origin retries until one does.
        if (this.role === 'leader') this.offer(ctx, from, message.submissions);
        return;
    }
  }

  timer(ctx: Context, name: string): void {
    switch (name) {
      case TIMER_ELECTION:
        this.onElectionTimer(ctx);
        return;
      case TIMER_HEARTBEAT:
        if (this.role !== 'leader') return;
        this.replicateAll(ctx);
        ctx.setTimer(TIMER_HEARTBEAT, this.options.heartbeatIntervalMs);
        return;
      case TIMER_VOTE_RETRY:
        // Silence means loss only once some peer has answered: before that the round trip is just longer than the
        // wait, and asking again would only duplicate requests still on their way (the round's end asks anew).
        if ((this.preVoting || this.role === 'candidate') && this.answered.size > 0)
          this.requestVotes(ctx, this.preVoting);
        return;
      case TIMER_FORWARD:
        this.forwardArmed = false;
        if (this.outbox.size === 0) return;
        // Only what waited a whole period (numbered before the timer was armed) and is not known to be logged.
        this.resendPending(ctx, this.ownLoggedTerm === this.currentTerm ? this.ownLoggedSeq : 0, this.forwardSeqArmed);
        this.armForwardTimer(ctx);
        return;
    }
  }

  status(): NodeStatus {
    return {
      role: this.role,
      term: this.currentTerm,
      leader: this.leader,
      delivered: this.delivered,
      details: {
        lastIndex: this.log.lastIndex,
        commitIndex: this.commitIndex,
        lastApplied: this.lastApplied,
        pending: this.outbox.size,
      },
    };
  }

  // ------------------------------------------------------------------ terms, roles, timers

  protected persist(ctx: Context, record: RaftRecord): void {
    ctx.persist(record);
  }

  /** currentTerm and votedFor change together and are durable before anything that depends on them is sent. */
  protected setHardState(ctx: Context, term: number, votedFor: NodeId | null): void {
    invariant(term >= this.currentTerm, () => `term must never go backwards: ${term} < ${this.currentTerm}`);
    if (term === this.currentTerm && votedFor === this.votedFor) return;
    invariant(term > this.currentTerm || this.votedFor === null, () => `vote changed within term ${term}`);
    this.currentTerm = term;
    this.votedFor = votedFor;
    this.persist(ctx, { kind: 'vote', term, votedFor });
  }

  /** Any message of a newer term makes this node a follower in that term (section 5.1). */
  private observeTerm(ctx: Context, term: number): void {
    if (term <= this.currentTerm) return;
    this.setHardState(ctx, term, null);
    this.becomeFollower(ctx, null);
  }

  private becomeFollower(ctx: Context, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader';
    const leaderChanged = leader !== null && leader !== this.leader;
    this.preVoting = false;
    this.progress = null;
    ctx.cancelTimer(TIMER_VOTE_RETRY);
    this.setRole(ctx, 'follower', leader);
    if (wasLeader) {
      ctx.cancelTimer(TIMER_HEARTBEAT);
      this.restartElectionPeriod(ctx);
    }
    if (leaderChanged && this.outbox.size > 0) this.resendPending(ctx);
  }

  protected setRole(ctx: Context, role: Role, leader: NodeId | null): void {
    this.role = role;
    this.leader = leader;
    this.announce(ctx);
  }

  private announce(ctx: Context): void {
    const key = `${this.role}/${this.currentTerm}/${this.leader}`;
    if (key === this.lastAnnounced) return;
    this.lastAnnounced = key;
    ctx.announce({ role: this.role, term: this.currentTerm, leader: this.leader });
  }

  /**
   * A new election period from now, with a timeout drawn afresh (as the paper does on every reset, so that two
   * nodes that collided once are unlikely to collide again): at a start, after a timeout, on becoming a candidate,
   * on granting a vote and on stepping down as leader.
   */
  private restartElectionPeriod(ctx: Context): void {
    const { electionTimeoutMsMin: min, electionTimeoutMsMax: max } = this.options;
    this.electionTimeoutMs = min + Math.floor(ctx.random() * (max - min + 1));
    this.electionPeriodStartMs = ctx.now();
    this.electionArmed = true;
    ctx.setTimer(TIMER_ELECTION, this.electionTimeoutMs);
  }

  /** The current leader was heard: the period starts again, with the same timeout and the same pending timer. */
  private heardFromLeader(ctx: Context): void {
    this.electionPeriodStartMs = ctx.now();
    if (!this.electionArmed) this.restartElectionPeriod(ctx);
  }

  /**
   * The timer fell due: a timeout if the whole period passed without the leader, otherwise armed again for the
   * rest of it. A period that seems to start in the future (the clock was stepped back) starts now instead, so
   * a step back delays an election by at most one timeout.
   */
  private onElectionTimer(ctx: Context): void {
    if (this.role === 'leader' || !this.electionArmed) return;
    const nowMs = ctx.now();
    if (this.electionPeriodStartMs > nowMs) this.electionPeriodStartMs = nowMs;
    const restMs = this.electionPeriodStartMs + this.electionTimeoutMs - nowMs;
    // Less than a millisecond left counts as over: timers have a grain of 1 ms live, and in the simulator a clock
    // with drift can read a hair before the due time when the timer fires (re-arming for that would never end).
    if (restMs >= 1) {
      ctx.setTimer(TIMER_ELECTION, restMs);
      return;
    }
    this.onElectionTimeout(ctx);
  }

  private armForwardTimer(ctx: Context): void {
    if (this.forwardArmed) return;
    this.forwardArmed = true;
    this.forwardSeqArmed = this.outbox.lastSeq;
    ctx.setTimer(TIMER_FORWARD, this.options.forwardRetryMs);
  }

  protected isMajority(count: number): boolean {
    return count > this.nodeCount / 2;
  }

  // ------------------------------------------------------------------ elections (section 5.2, 5.4.1; pre-vote)

  private onElectionTimeout(ctx: Context): void {
    this.leaderContactFresh = false;
    if (!this.options.preVote) {
      this.startElection(ctx);
      return;
    }
    // Pre-vote: ask whether an election could be won before disturbing anyone's term.
    this.restartElectionPeriod(ctx);
    this.preVoting = true;
    this.setRole(ctx, 'follower', null);
    this.votes.clear();
    this.votes.add(this.id);
    this.answered.clear();
    this.requestVotes(ctx, true);
    if (this.isMajority(this.votes.size)) this.startElection(ctx);
  }

  private startElection(ctx: Context): void {
    this.preVoting = false;
    // Figure 2: a new candidate resets its election timer, so its round lasts a whole timeout after a pre-vote.
    this.restartElectionPeriod(ctx);
    this.setHardState(ctx, this.currentTerm + 1, this.id);
    this.setRole(ctx, 'candidate', null);
    this.votes.clear();
    this.votes.add(this.id);
    this.answered.clear();
    this.requestVotes(ctx, false);
    if (this.isMajority(this.votes.size)) this.becomeLeader(ctx);
  }

  /** The election restriction (section 5.4.1): grant only to a candidate whose log is at least as up to date. */
  protected isUpToDate(lastLogTerm: number, lastLogIndex: number): boolean {
    return !this.log.isBehind(lastLogTerm, lastLogIndex);
  }

  /**
   * Asks every peer that has not answered yet, and again after the shortest election timeout while the round
   * lasts, if some peer has answered meanwhile (a round ends at the node's own election timeout, which asks
   * everyone afresh). Asking again sooner only duplicates requests whose answers are still on their way: the
   * paper wants a round trip well within that timeout, so a peer silent that long, while others answered, lost
   * the request or its answer.
   */
  private requestVotes(ctx: Context, pre: boolean): void {
    const term = pre ? this.currentTerm + 1 : this.currentTerm;
    // One request for all (a message is never changed once sent); a new round asks every peer at once.
    const request: Message<'VOTE'> = {
      type: 'VOTE',
      term,
      lastLogIndex: this.log.lastIndex,
      lastLogTerm: this.log.lastTerm,
      pre,
    };
    if (this.answered.size === 0) ctx.broadcast(request);
    else for (const peer of ctx.peers) if (!this.answered.has(peer)) ctx.send(peer, request);
    ctx.setTimer(TIMER_VOTE_RETRY, this.options.electionTimeoutMsMin);
  }

  /** A pre-vote changes nothing here: neither the term nor the vote. */
  private onPreVote(ctx: Context, from: NodeId, request: Message<'VOTE'>): void {
    const granted =
      request.term > this.currentTerm &&
      this.role !== 'leader' &&
      !this.leaderContactFresh &&
      this.isUpToDate(request.lastLogTerm, request.lastLogIndex);
    ctx.send(from, { type: 'VOTE_RESP', term: granted ? request.term : this.currentTerm, granted, pre: true });
  }

  protected onVote(ctx: Context, from: NodeId, request: Message<'VOTE'>): void {
    this.observeTerm(ctx, request.term);
    const granted =
      request.term === this.currentTerm &&
      (this.votedFor === null || this.votedFor === from) &&
      this.isUpToDate(request.lastLogTerm, request.lastLogIndex);
    if (granted) {
      this.setHardState(ctx, this.currentTerm, from);
      this.restartElectionPeriod(ctx);
    }
    ctx.send(from, { type: 'VOTE_RESP', term: this.currentTerm, granted, pre: false });
  }

  private onPreVoteResponse(ctx: Context, from: NodeId, response: Message<'VOTE_RESP'>): void {
    if (!response.granted) {
      this.observeTerm(ctx, response.term);
      if (this.preVoting) this.answered.add(from);
      return;
    }
    if (!this.preVoting || response.term !== this.currentTerm + 1) return;
    this.answered.add(from);
    this.votes.add(from);
    if (this.isMajority(this.votes.size)) this.startElection(ctx);
  }

  private onVoteResponse(ctx: Context, from: NodeId, response: Message<'VOTE_RESP'>): void {
    this.observeTerm(ctx, response.term);
    if (this.role !== 'candidate' || response.term !== this.currentTerm) return;
    this.answered.add(from);
    if (!response.granted) return;
    this.votes.add(from);
    if (this.isMajority(this.votes.size)) this.becomeLeader(ctx);
  }

  private becomeLeader(ctx: Context): void {
    invariant(this.role === 'candidate', 'only a candidate becomes leader');
    ctx.cancelTimer(TIMER_ELECTION);
    this.electionArmed = false;
    ctx.cancelTimer(TIMER_VOTE_RETRY);
    this.setRole(ctx, 'leader', this.id);
    this.progress = new LeaderProgress(ctx.peers, this.log.lastIndex);
    this.loggedSeq = [];
    for (let index = 1; index <= this.log.lastIndex; index += 1) this.noteLogged(this.log.at(index));
    // A no-op of the new term: once it commits, so does everything before it (section 5.4.2, figure 8).
    this.appendAsLeader(ctx, [{ term: this.currentTerm }]);
    if (this.outbox.size > 0)
      this.logSubmissions(ctx, this.id, this.outbox.batch(this.options.batchEntriesMax, this.options.batchBytesMax));
    this.replicateAll(ctx);
    ctx.setTimer(TIMER_HEARTBEAT, this.options.heartbeatIntervalMs);
  }

  // ------------------------------------------------------------------ replication (section 5.3)

  private noteLogged(entry: Entry): void {
    if (!isSubmissionEntry(entry)) return;
    if (entry.seq > (this.loggedSeq[entry.origin] ?? 0)) this.loggedSeq[entry.origin] = entry.seq;
  }

  /** Appends an origin's submissions that continue its numbering in our log and sends them on. */
  private offer(ctx: Context, origin: NodeId, submissions: readonly Forwarded[]): void {
    if (this.logSubmissions(ctx, origin, submissions)) this.replicateNew(ctx);
  }

  /** Skips submissions already logged, stops at a gap; true when it appended any. */
  private logSubmissions(ctx: Context, origin: NodeId, submissions: readonly Forwarded[]): boolean {
    invariant(this.role === 'leader', 'only the leader appends submissions');
    const entries: SubmissionEntry[] = [];
    let seqLast = this.loggedSeq[origin] ?? 0;
    for (let k = 0; k < submissions.length; k += 1) {
      const { seq, id, payload } = submissions[k] as Forwarded;
      if (seq <= seqLast) continue;
      if (seq !== seqLast + 1) break;
      entries.push({ term: this.currentTerm, origin, seq, id, payload });
      seqLast = seq;
    }
    if (entries.length === 0) return false;
    this.appendAsLeader(ctx, entries);
    return true;
  }

  protected appendAsLeader(ctx: Context, entries: Entry[]): void {
    const from = this.log.lastIndex + 1;
    this.log.replace(from, entries);
    this.persist(ctx, { kind: 'log', from, entries });
    for (let k = 0; k < entries.length; k += 1) this.noteLogged(entries[k] as Entry);
    this.advanceCommit(ctx);
  }

  /** The heartbeat (and a new leader's first message): an APPEND to every follower, with whatever it lacks. */
  private replicateAll(ctx: Context): void {
    const progress = this.progress;
    invariant(progress !== null, 'only a leader replicates');
    const peers = ctx.peers;
    const next = peers.length > 0 ? progress.nextIndex(peers[0] as NodeId) : 0;
    for (let k = 1; k < peers.length; k += 1) {
      if (progress.nextIndex(peers[k] as NodeId) === next) continue;
      for (let each = 0; each < peers.length; each += 1) this.sendAppend(ctx, peers[each] as NodeId);
      return;
    }
    // Every follower is owed the same APPEND (the usual case under a steady load): one message for all, which a
    // host checks and encodes once. A broadcast goes to every peer in ascending id order, as the loop above does.
    const message = this.appendFrom(next);
    ctx.broadcast(message);
    for (let k = 0; k < peers.length; k += 1) progress.sent(peers[k] as NodeId, next + message.entries.length);
  }

  /**
   * New entries go at once only to followers that have answered everything sent to them. The others get them
   * with the APPEND that follows their answer, or with the next heartbeat, whichever comes first: entries that
   * arrive while a round trip is under way travel together. Without this a leader sends one APPEND per entry to
   * every follower and gets one answer for each; with it, under a steady load, a follower gets about one APPEND
   * per round trip or per heartbeat, however many entries arrive meanwhile, and an idle cluster still sends
   * an entry the moment it is logged.
   */
  private replicateNew(ctx: Context): void {
    const progress = this.progress;
    invariant(progress !== null, 'only a leader replicates');
    const peers = ctx.peers;
    for (let k = 0; k < peers.length; k += 1)
      if (progress.isIdle(peers[k] as NodeId)) this.sendAppend(ctx, peers[k] as NodeId);
  }

  private sendAppend(ctx: Context, peer: NodeId): void {
    const progress = this.progress;
    invariant(progress !== null, 'only a leader replicates');
    const next = progress.nextIndex(peer);
    const message = this.appendFrom(next);
    ctx.send(peer, message);
    progress.sent(peer, next + message.entries.length);
  }

  /** The APPEND for a follower whose next index is `next`: a batch of what follows, and our commit index. */
  private appendFrom(next: number): Message<'APPEND'> {
    const prevLogIndex = next - 1;
    return {
      type: 'APPEND',
      term: this.currentTerm,
      prevLogIndex,
      prevLogTerm: this.log.termAt(prevLogIndex),
      entries: this.log.batch(next, this.options.batchEntriesMax, this.options.batchBytesMax),
      leaderCommit: this.commitIndex,
    };
  }

  private onAppend(ctx: Context, from: NodeId, request: Message<'APPEND'>): void {
    if (request.term < this.currentTerm) {
      ctx.send(from, { type: 'APPEND_RESP', term: this.currentTerm, success: false, index: 0 });
      return;
    }
    this.observeTerm(ctx, request.term);
    if (this.role === 'leader')
      throw new InvariantError(`two leaders in term ${this.currentTerm}: ${this.id} and ${from}`);
    if (this.role !== 'follower' || this.leader !== from) this.becomeFollower(ctx, from);
    this.leaderContactFresh = true;
    this.heardFromLeader(ctx);
    const index = this.consistencyCheck(request);
    if (index !== null) {
      ctx.send(from, { type: 'APPEND_RESP', term: this.currentTerm, success: false, index });
      return;
    }
    this.merge(ctx, request.prevLogIndex, request.entries);
    const matched = request.prevLogIndex + request.entries.length;
    // Only what this request proved to match may be committed: entries past it may be a stale leader's.
    const commit = Math.min(request.leaderCommit, matched);
    if (commit > this.commitIndex) {
      this.commitIndex = commit;
      this.apply(ctx);
    }
    ctx.send(from, { type: 'APPEND_RESP', term: this.currentTerm, success: true, index: matched });
  }

  /** Null when our log holds the leader's entry before the batch; otherwise where the leader should retry. */
  private consistencyCheck(request: Message<'APPEND'>): number | null {
    const prev = request.prevLogIndex;
    if (prev > this.log.lastIndex) return this.log.lastIndex + 1;
    if (this.log.termAt(prev) === request.prevLogTerm) return null;
    invariant(
      prev > this.commitIndex,
      () => `committed entry ${prev} conflicts with the leader's (commit ${this.commitIndex})`,
    );
    // Skip the whole conflicting term at once rather than one entry per round trip.
    return this.log.firstIndexOfTerm(prev);
  }

  /** Appends what is new, truncating from the first entry whose term differs (never a matching one). */
  private merge(ctx: Context, prevLogIndex: number, entries: Entry[]): void {
    let skip = 0;
    while (skip < entries.length) {
      const index = prevLogIndex + 1 + skip;
      if (index > this.log.lastIndex || this.log.termAt(index) !== (entries[skip] as Entry).term) break;
      skip += 1;
    }
    if (skip === entries.length) return;
    const from = prevLogIndex + 1 + skip;
    if (from <= this.commitIndex)
      throw new InvariantError(`truncating committed entry ${from} (commit ${this.commitIndex})`);
    const rest = skip === 0 ? entries : entries.slice(skip);
    if (from <= this.log.lastIndex) this.ownLoggedSeq = 0;
    this.log.replace(from, rest);
    this.persist(ctx, { kind: 'log', from, entries: rest });
    for (let k = 0; k < rest.length; k += 1) {
      const entry = rest[k] as Entry;
      if (isSubmissionEntry(entry) && entry.origin === this.id) {
        this.ownLoggedSeq = entry.seq;
        this.ownLoggedTerm = entry.term;
      }
    }
  }

  private onAppendResponse(ctx: Context, from: NodeId, response: Message<'APPEND_RESP'>): void {
    this.observeTerm(ctx, response.term);
    const progress = this.progress;
    if (this.role !== 'leader' || response.term !== this.currentTerm || progress === null) return;
    if (!response.success) {
      const before = progress.nextIndex(from);
      progress.retryFrom(from, response.index, this.log.lastIndex);
      // Resend at once only when the reply moved nextIndex back (a follower that lost entries it had acknowledged
      // moves it back below its old match index: see retryFrom). One that teaches nothing (a late duplicate)
      // waits for the next heartbeat: answering each such reply with a resend lets two nodes ping-pong at network
      // speed, with one more exchange in flight for every heartbeat, without end.
      if (progress.nextIndex(from) < before) this.sendAppend(ctx, from);
      return;
    }
    // Checked before the message is built (no closure per reply): this runs for every answer the leader gets.
    if (response.index > this.log.lastIndex)
      throw new InvariantError(`node ${from} matched ${response.index} beyond our log ${this.log.lastIndex}`);
    progress.matched(from, response.index);
    this.advanceCommit(ctx);
    // What the follower lacks goes as soon as it has answered everything sent (catch-up, and the entries held back
    // by replicateNew); while other APPENDs to it are still under way, their answers or the heartbeat will do.
    if (progress.isIdle(from) && progress.nextIndex(from) <= this.log.lastIndex) this.sendAppend(ctx, from);
  }

  /** Figure 8: only an entry of the current term commits by counting replicas; earlier ones commit with it. */
  protected advanceCommit(ctx: Context): void {
    const progress = this.progress;
    invariant(progress !== null, 'only a leader counts replicas');
    const index = progress.majorityIndex(this.log.lastIndex, this.nodeCount);
    if (index <= this.commitIndex || this.log.termAt(index) !== this.currentTerm) return;
    this.commitIndex = index;
    this.apply(ctx);
  }

  // ------------------------------------------------------------------ delivery and submissions

  /** Delivers committed entries in index order; the cursor is durable first, so a restart never delivers again. */
  private apply(ctx: Context): void {
    if (this.commitIndex <= this.lastApplied) return;
    const from = this.lastApplied + 1;
    this.lastApplied = this.commitIndex;
    this.persist(ctx, { kind: 'applied', index: this.lastApplied });
    for (let index = from; index <= this.lastApplied; index += 1) this.applyEntry(ctx, index, this.log.at(index));
  }

  private applyEntry(ctx: Context, index: number, entry: Entry): void {
    if (!isSubmissionEntry(entry)) return;
    const { origin, seq } = entry;
    const seqApplied = this.appliedSeq[origin] ?? 0;
    if (seq <= seqApplied) {
      ctx.log(`entry ${index}: ${entry.id} (node ${origin} #${seq}) already applied, skipped`);
      return;
    }
    // By construction each log holds an origin's submissions in order without gaps; say so if that ever breaks.
    if (seq !== seqApplied + 1) ctx.log(`entry ${index}: node ${origin} #${seq} applied after #${seqApplied}`);
    this.markApplied(origin, seq);
    ctx.deliver({ id: entry.id, origin, payload: entry.payload, order: { index, term: entry.term } });
    if (origin === this.id) ctx.ack(entry.id);
  }

  /** At a start: what the applied entries that were read back did to the counters. */
  private noteApplied(entry: Entry): void {
    if (isSubmissionEntry(entry) && entry.seq > (this.appliedSeq[entry.origin] ?? 0))
      this.markApplied(entry.origin, entry.seq);
  }

  private markApplied(origin: NodeId, seq: number): void {
    this.delivered += 1;
    this.appliedSeq[origin] = seq;
    if (origin === this.id) this.outbox.applied(seq);
  }

  /** Sends (or, on the leader, logs) the oldest pending submissions numbered in (afterSeq, uptoSeq]. */
  private resendPending(ctx: Context, afterSeq = 0, uptoSeq = Infinity): void {
    const batch = this.outbox.batch(this.options.batchEntriesMax, this.options.batchBytesMax, afterSeq, uptoSeq);
    if (batch.length === 0) return;
    if (this.role === 'leader') this.offer(ctx, this.id, batch);
    else if (this.leader !== null) ctx.send(this.leader, { type: 'FORWARD', submissions: batch });
  }
}
