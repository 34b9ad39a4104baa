import { invariant, unreachable } from '../../core/assert.ts';
import type { NodeId } from '../../core/ids.ts';
import type { Json } from '../../core/json.ts';
import type { NodeContext, NodeStatus, ProtocolNode, Submission } from '../../core/node.ts';
import { classifySeq, higherNodes, onCoordinator, onElection, onRivalPrimary, type PbRole } from './decisions.ts';
import { BoundedSet } from '../shared/bounded-set.ts';
import {
  type Entry,
  type Forward,
  isPrimaryBackupRecord,
  type PrimaryBackupMessage,
  type PrimaryBackupRecord,
} from './messages.ts';
import { nextCount } from '../shared/schema.ts';
import type { PrimaryBackupOptions } from './options.ts';
import { RejoinSync, syncReply, TIMER_DISCOVERY, TIMER_SYNC, type RejoiningNode } from './sync.ts';

type Context = NodeContext<PrimaryBackupMessage>;
type Message<Type extends PrimaryBackupMessage['type']> = Extract<PrimaryBackupMessage, { type: Type }>;

const TIMER_HEARTBEAT = 'heartbeat';
const TIMER_PRIMARY = 'primary-timeout';
const TIMER_ELECTION = 'election';
const TIMER_COORDINATOR = 'coordinator-wait';

type ElectionState = 'idle' | 'awaiting-ok' | 'awaiting-coordinator';

/**
 * Seed 003 part 4: the highest live node is primary; it numbers each message, delivers it at once and replicates
 * it to every backup; backups deliver immediately in sequence and forward their submissions to the primary. A
 * Bully election replaces a primary whose heartbeats stop.
 *
 * Where the documented design goes wrong (kept as documented; the lab's job is to show it):
 * - No terms. A primary never doubts itself: cut off by a partition it keeps numbering and delivering while the
 *   other side elects a second primary. Both number from the same next seq. After the heal, heartbeats make the
 *   lower id step down, but what each side delivered alone stays there (split brain, lost messages).
 * - A new primary continues from the highest seq it delivered. If it missed the last replications (lost, cut)
 *   it hands those numbers to new messages; backups that did receive them drop the new ones as stale.
 * - A submission forwarded to a primary that dies before numbering it is lost: it is sent once, never retried.
 * - No holdback: a backup that sees a gap delivers the later message at once and skips the missing numbers
 *   (dropped if they turn up later), so a lost or overtaken replication is lost for that backup.
 * - Bully's own race: "no OK within the timeout" makes a candidate primary even when the higher node it asked
 *   was down at that moment and has since restarted and won; both lead until COORDINATOR crosses the wire.
 *
 * Choices where the seed is silent: a restarted node asks for the primary (DISCOVER) instead of bullying it, then
 * fetches what it missed (SYNC_REQ, the seed's "novo nó solicita histórico"; see sync.ts); every delivery is
 * persisted at once (the seed saved every 5 minutes); backups accept replication only from the primary they follow.
 */
export class PrimaryBackupNode implements ProtocolNode<PrimaryBackupMessage>, RejoiningNode {
  private role: PbRole = 'backup';
  leader: NodeId | null = null;
  private lastAnnounced: string | null = null;
  /** Highest seq delivered here; a backup expects highestSeq + 1 next, a primary numbers from it. */
  highestSeq = 0;
  private delivered = 0;
  private readonly deliveredIds: BoundedSet<string>;
  /** The latest deliveries in seq order, to answer SYNC_REQ. */
  private readonly history: Entry[] = [];
  private election: ElectionState = 'idle';
  /** The catch-up of a restarted node (sync.ts). */
  private readonly rejoin: RejoinSync;
  /** Submissions waiting for a known primary. */
  private pendingForwards: Forward[] = [];
  readonly dropped = { stale: 0, seqsSkipped: 0, foreign: 0, duplicateIds: 0, forwards: 0, held: 0 };

  constructor(
    private readonly id: NodeId,
    private readonly nodes: readonly NodeId[],
    private readonly options: PrimaryBackupOptions,
  ) {
    invariant(nodes.includes(id), `node ${id} is not one of ${nodes.join(', ')}`);
    this.deliveredIds = new BoundedSet<string>(options.idCacheMax);
    this.rejoin = new RejoinSync(this, options);
  }

  start(ctx: Context, recovered: readonly Json[]): void {
    for (const record of recovered) {
      invariant(isPrimaryBackupRecord(record), `node ${this.id} cannot read its record ${JSON.stringify(record)}`);
      if (record.kind === 'delivered') this.remember(entryOf(record));
    }
    ctx.setTimer(TIMER_HEARTBEAT, this.heartbeatDelayMs(ctx));
    if (recovered.length === 0) {
      // First boot of the cluster: Bully from the start, so the highest id leads at once.
      ctx.persist({ kind: 'boot' } satisfies PrimaryBackupRecord);
      this.startElection(ctx);
    } else {
      // A restart: someone probably leads already; ask before bullying (see the class comment).
      this.rejoin.discover(ctx);
    }
    this.announce(ctx);
  }

  submit(ctx: Context, submission: Submission): void {
    const forward: Forward = { id: submission.id, origin: this.id, payload: submission.payload, hops: 0 };
    if (this.role === 'primary') this.sequence(ctx, forward);
    else this.route(ctx, forward);
  }

  message(ctx: Context, from: NodeId, message: PrimaryBackupMessage): void {
    if (!ctx.peers.includes(from)) {
      ctx.log(`dropped ${message.type} from ${from}: not a peer of this cluster`);
      return;
    }
    switch (message.type) {
      case 'HEARTBEAT':
        return this.onHeartbeat(ctx, from, message);
      case 'FORWARD':
        return this.onForward(ctx, message);
      case 'REPLICATE':
        return this.onReplicate(ctx, from, entryOf(message));
      case 'ELECTION':
        return this.onElectionMessage(ctx, from);
      case 'OK':
        return this.onOk(ctx);
      case 'COORDINATOR':
        return this.onCoordinatorMessage(ctx, from);
      case 'DISCOVER':
        if (this.role === 'primary') ctx.send(from, { type: 'COORDINATOR', lastSeq: this.highestSeq });
        return;
      case 'SYNC_REQ':
        if (this.role === 'primary')
          ctx.send(from, syncReply(this.history, message.fromSeq, this.options.syncBatchMax));
        return;
      case 'SYNC':
        return this.rejoin.onSync(ctx, from, message);
      default:
        return unreachable(message, 'primary-backup message');
    }
  }

  timer(ctx: Context, name: string): void {
    switch (name) {
      case TIMER_HEARTBEAT:
        ctx.broadcast({ type: 'HEARTBEAT', leader: this.leader });
        ctx.setTimer(TIMER_HEARTBEAT, this.heartbeatDelayMs(ctx));
        return;
      case TIMER_PRIMARY:
        if (this.role === 'backup' && this.leader !== null) this.suspectLeader(ctx, 'heartbeats stopped');
        return;
      case TIMER_ELECTION:
        // No higher node answered: by Bully, this is the highest live node.
        if (this.election === 'awaiting-ok') this.becomePrimary(ctx);
        return;
      case TIMER_COORDINATOR:
        if (this.election !== 'awaiting-coordinator') return;
        this.election = 'idle';
        this.startElection(ctx);
        return;
      case TIMER_DISCOVERY:
        if (this.rejoin.onDiscoveryTimeout(ctx)) this.startElection(ctx);
        return;
      case TIMER_SYNC:
        this.rejoin.onSyncTimeout(ctx);
        return;
      default:
        invariant(false, `primary-backup node ${this.id} never set a timer named ${name}`);
    }
  }

  status(): NodeStatus {
    return {
      role: this.role,
      leader: this.leader,
      delivered: this.delivered,
      details: {
        highestSeq: this.highestSeq,
        election: this.election,
        sync: this.rejoin.state,
        pendingForwards: this.pendingForwards.length,
        heldReplicas: this.rejoin.heldCount,
        dropped: { ...this.dropped },
      },
    };
  }

  // ---------------------------------------------------------------- sequencing and replication

  /** The primary numbers a submission, delivers it at once and replicates it to every backup. */
  private sequence(ctx: Context, forward: Forward): void {
    invariant(this.role === 'primary', `node ${this.id} numbered a message while ${this.role}`);
    if (this.deliveredIds.has(forward.id)) {
      this.dropped.duplicateIds += 1;
      return;
    }
    const seq = nextCount(this.highestSeq);
    if (seq === null) {
      // Only a forged REPLICATE can have pushed the numbering this far: a larger seq would be refused by every peer.
      ctx.log(`seq ${this.highestSeq} is the largest a peer accepts: ${forward.id} not numbered`);
      return;
    }
    const entry: Entry = {
      id: forward.id,
      origin: forward.origin,
      payload: forward.payload,
      seq,
      primary: this.id,
    };
    this.deliverEntry(ctx, entry);
    ctx.broadcast({ type: 'REPLICATE', ...entry });
  }

  /** Sends a submission on to the primary, or keeps it until one is known. */
  private route(ctx: Context, forward: Forward): void {
    if (this.leader !== null && this.leader !== this.id) {
      ctx.send(this.leader, { type: 'FORWARD', ...forward });
      return;
    }
    if (this.pendingForwards.length >= this.options.pendingMax) {
      this.dropped.forwards += 1;
      ctx.log(`no primary known and ${this.options.pendingMax} submissions waiting: ${forward.id} dropped`);
      return;
    }
    this.pendingForwards.push(forward);
  }

  private onForward(ctx: Context, message: Message<'FORWARD'>): void {
    const forward: Forward = { id: message.id, origin: message.origin, payload: message.payload, hops: message.hops };
    if (this.role === 'primary') {
      this.sequence(ctx, forward);
      return;
    }
    // The sender thought this node leads; pass it on, but not around a loop of nodes that disagree.
    if (forward.hops + 1 >= this.nodes.length) {
      this.dropped.forwards += 1;
      ctx.log(`FORWARD ${forward.id} went through ${forward.hops + 1} nodes without reaching a primary: dropped`);
      return;
    }
    this.route(ctx, { ...forward, hops: forward.hops + 1 });
  }

  private onReplicate(ctx: Context, from: NodeId, entry: Entry): void {
    if (entry.primary !== from) {
      ctx.log(`dropped REPLICATE ${entry.id} from ${from}: it names ${entry.primary} as primary`);
      return;
    }
    if (this.role === 'primary') {
      // Two primaries: the replication is the other one's claim.
      this.onRival(ctx, from);
      if (this.role === 'primary') return;
    }
    if (!this.rejoin.synced) {
      this.rejoin.hold(ctx, entry);
      return;
    }
    if (this.leader !== null && this.leader !== from) {
      this.dropped.foreign += 1;
      ctx.log(`dropped REPLICATE seq ${entry.seq} from ${from}: following primary ${this.leader}`);
      return;
    }
    this.noteLeaderAlive(ctx, from);
    this.applyReplica(ctx, entry);
  }

  /** The backup's sequence check, with immediate delivery (see classifySeq). */
  applyReplica(ctx: Context, entry: Entry): void {
    const verdict = classifySeq(this.highestSeq, entry.seq);
    if (verdict === 'stale') {
      this.dropped.stale += 1;
      return;
    }
    if (verdict === 'gap') {
      this.dropped.seqsSkipped += entry.seq - this.highestSeq - 1;
      ctx.log(`seq ${entry.seq} arrived while expecting ${this.highestSeq + 1}: delivered at once, the gap is skipped`);
    }
    if (this.deliveredIds.has(entry.id)) {
      // Numbered twice (by two primaries): the number is used up, the message is not delivered again.
      this.dropped.duplicateIds += 1;
      this.highestSeq = entry.seq;
      return;
    }
    this.deliverEntry(ctx, entry);
  }

  private deliverEntry(ctx: Context, entry: Entry): void {
    invariant(entry.seq > this.highestSeq, `seq ${entry.seq} delivered after seq ${this.highestSeq}`);
    invariant(!this.deliveredIds.has(entry.id), `${entry.id} delivered twice`);
    ctx.persist({ kind: 'delivered', ...entry } satisfies PrimaryBackupRecord);
    const { id, origin, payload, seq, primary } = entry;
    ctx.deliver({ id, origin, payload, order: { seq, primary } });
    this.remember(entry);
  }

  /** Records a delivery in memory (also replayed from the durable log on restart). */
  private remember(entry: Entry): void {
    invariant(entry.seq > this.highestSeq, `the log goes from seq ${this.highestSeq} to ${entry.seq}`);
    this.highestSeq = entry.seq;
    this.deliveredIds.add(entry.id);
    this.history.push(entry);
    if (this.history.length > this.options.historyMax) this.history.shift();
    this.delivered += 1;
  }

  // ---------------------------------------------------------------- failure detection and Bully

  private onHeartbeat(ctx: Context, from: NodeId, message: Message<'HEARTBEAT'>): void {
    const claimsPrimary = message.leader === from;
    if (this.role === 'primary') {
      if (claimsPrimary) this.onRival(ctx, from);
      return;
    }
    if (from !== this.leader) return;
    if (claimsPrimary) this.noteLeaderAlive(ctx, from);
    else this.suspectLeader(ctx, `primary ${from} says it no longer leads`);
  }

  /** Only a message that shows the leader still acts as primary keeps the backup from suspecting it. */
  noteLeaderAlive(ctx: Context, from: NodeId): void {
    if (this.role === 'backup' && from === this.leader) ctx.setTimer(TIMER_PRIMARY, this.options.primaryTimeoutMs);
  }

  private suspectLeader(ctx: Context, why: string): void {
    ctx.log(`suspecting primary ${this.leader}: ${why}`);
    this.leader = null;
    ctx.cancelTimer(TIMER_PRIMARY);
    this.announce(ctx);
    this.startElection(ctx);
  }

  private onRival(ctx: Context, rival: NodeId): void {
    if (onRivalPrimary(this.id, rival) === 'step-down') this.adopt(ctx, rival);
    else ctx.broadcast({ type: 'COORDINATOR', lastSeq: this.highestSeq });
  }

  private startElection(ctx: Context): void {
    if (this.election !== 'idle' || this.role === 'primary') return;
    const higher = higherNodes(this.id, this.nodes);
    if (higher.length === 0) {
      this.becomePrimary(ctx);
      return;
    }
    for (const node of higher) ctx.send(node, { type: 'ELECTION' });
    this.election = 'awaiting-ok';
    ctx.setTimer(TIMER_ELECTION, this.options.electionTimeoutMs);
  }

  private onElectionMessage(ctx: Context, from: NodeId): void {
    if (from > this.id) {
      ctx.log(`ignored ELECTION from higher node ${from}: Bully only asks upwards`);
      return;
    }
    ctx.send(from, { type: 'OK' });
    if (onElection(this.role) === 'ok-and-coordinator') {
      ctx.send(from, { type: 'COORDINATOR', lastSeq: this.highestSeq });
    } else {
      this.startElection(ctx);
    }
  }

  private onOk(ctx: Context): void {
    if (this.election !== 'awaiting-ok') return;
    this.election = 'awaiting-coordinator';
    ctx.cancelTimer(TIMER_ELECTION);
    ctx.setTimer(TIMER_COORDINATOR, this.options.coordinatorTimeoutMs);
  }

  private onCoordinatorMessage(ctx: Context, from: NodeId): void {
    if (onCoordinator(this.role, this.id, from) === 'reassert') {
      ctx.broadcast({ type: 'COORDINATOR', lastSeq: this.highestSeq });
      return;
    }
    this.adopt(ctx, from);
  }

  /** Numbering continues from the highest seq this node delivered: all it knows (see the class comment). */
  private becomePrimary(ctx: Context): void {
    this.stopWaiting(ctx);
    ctx.cancelTimer(TIMER_PRIMARY);
    this.rejoin.abandon(ctx);
    this.role = 'primary';
    this.leader = this.id;
    this.announce(ctx);
    ctx.broadcast({ type: 'COORDINATOR', lastSeq: this.highestSeq });
    this.flushPending(ctx);
  }

  private adopt(ctx: Context, leader: NodeId): void {
    this.stopWaiting(ctx);
    this.role = 'backup';
    this.leader = leader;
    this.announce(ctx);
    ctx.setTimer(TIMER_PRIMARY, this.options.primaryTimeoutMs);
    this.rejoin.onPrimaryFound(ctx);
    this.flushPending(ctx);
  }

  private stopWaiting(ctx: Context): void {
    this.election = 'idle';
    ctx.cancelTimer(TIMER_ELECTION);
    ctx.cancelTimer(TIMER_COORDINATOR);
  }

  private flushPending(ctx: Context): void {
    const waiting = this.pendingForwards;
    this.pendingForwards = [];
    for (const forward of waiting) {
      if (this.role === 'primary') this.sequence(ctx, forward);
      else this.route(ctx, forward);
    }
  }

  private heartbeatDelayMs(ctx: Context): number {
    return this.options.heartbeatIntervalMs + Math.round(ctx.random() * this.options.heartbeatJitterMs);
  }

  /** Announces role and leader when either changed; there are no terms in this design. */
  private announce(ctx: Context): void {
    const key = `${this.role}/${this.leader}`;
    if (key === this.lastAnnounced) return;
    this.lastAnnounced = key;
    ctx.announce({ role: this.role, leader: this.leader });
  }
}

function entryOf(value: Entry): Entry {
  return { id: value.id, origin: value.origin, payload: value.payload, seq: value.seq, primary: value.primary };
}
