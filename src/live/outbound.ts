import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { invariant } from '../core/assert.ts';
import type { NodeId } from '../core/ids.ts';
import type { RandomStream } from '../core/rng.ts';
import { formatAddress, type Address } from './config.ts';
import { answerChallenge, decodeChallenge, encodeHello, finishData, LineSplitter } from './frames.ts';

export type LinkState = 'connecting' | 'connected' | 'waiting' | 'closed';

export interface OutboundLimits {
  /** Frames kept per peer while it is unreachable; beyond it the oldest is dropped (and logged). */
  queueFramesMax: number;
  /**
   * How long a frame may wait for its peer. Older frames are dropped, not delivered late: a peer that was down
   * that long has likely restarted, and a new incarnation fed its predecessor's mail (say, an ELECTION sent
   * while it was dead) acts on stale news -- the simulator, likewise, drops messages to a crashed node.
   */
  queueAgeMsMax: number;
  /** Bytes the kernel may not have taken yet on a connected socket; beyond it frames are dropped (a stalled peer). */
  socketBufferBytesMax: number;
  backoffMsMin: number;
  backoffMsMax: number;
  /** How long a closing link may take to hand its last bytes to the kernel. */
  closeGraceMs: number;
  /** With a secret: how long to wait for the listener's challenge before giving up on a connection. */
  challengeTimeoutMs: number;
}

export const OUTBOUND_LIMITS_DEFAULT: OutboundLimits = {
  queueFramesMax: 4096,
  queueAgeMsMax: 500,
  socketBufferBytesMax: 8 * 1024 * 1024,
  backoffMsMin: 50,
  backoffMsMax: 1000,
  closeGraceMs: 500,
  challengeTimeoutMs: 5_000,
};

/** Who this node is and its secret, for the hello every connection starts with. */
export interface LinkIdentity {
  self: NodeId;
  secret: string | null;
}

/** The listener's challenge is one short line; anything longer is not one. */
const CHALLENGE_LINE_BYTES_MAX = 256;

export type DropWhy = 'queue-full' | 'expired' | 'socket-buffer-full' | 'closed';

export interface OutboundEvents {
  onDrop(to: NodeId, ref: string, why: DropWhy): void;
  onNote(text: string): void;
  onStateChange(): void;
}

interface Queued {
  /** The frame's text up to its final "}" (see dataCore); finished, and signed, when it is written. */
  core: string;
  ref: string;
  queuedAtMs: number;
}

/** Doubling steps beyond which the delay stays at its maximum (keeps 2^attempt finite). */
const BACKOFF_STEPS_MAX = 16;

/**
 * This node's one connection to one peer, used only to write frames to it. While the peer is unreachable the link
 * retries with exponential backoff (bounded, with jitter from the node's seeded stream, so a restarted cluster does
 * not reconnect in lockstep) and queues frames up to a bound.
 */
export class PeerLink {
  state: LinkState = 'waiting';
  dropped = 0;
  private socket: Socket | null = null;
  private readonly queue: Queued[] = [];
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  /** Whether a failure has been reported since the link last came up; keeps a dead peer to one log line. */
  private downReported = false;
  private everConnected = false;
  /** With a secret: the connection's session key and the counter of the last frame written on it. */
  private session: { key: Buffer; counter: number } | null = null;

  constructor(
    readonly peer: NodeId,
    readonly address: Address,
    private readonly identity: LinkIdentity,
    private readonly limits: OutboundLimits,
    private readonly random: RandomStream,
    private readonly events: OutboundEvents,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  start(): void {
    invariant(this.state === 'waiting' && this.socket === null, `link to node ${this.peer} started twice`);
    this.connect();
  }

  send(core: string, ref: string): void {
    if (this.state === 'closed') {
      this.drop(ref, 'closed');
      return;
    }
    const nowMs = performance.now();
    if (this.state === 'connected' && this.socket !== null) {
      this.write(this.socket, { core, ref, queuedAtMs: nowMs });
      return;
    }
    this.expire(nowMs);
    if (this.queue.length >= this.limits.queueFramesMax) {
      const oldest = this.queue.shift();
      invariant(oldest !== undefined, 'a full queue has an oldest frame');
      this.drop(oldest.ref, 'queue-full');
    }
    this.queue.push({ core, ref, queuedAtMs: nowMs });
  }

  /** Drops queued frames past their age (the queue is in send order, so they are at its front). */
  private expire(nowMs: number): void {
    while (this.queue.length > 0 && nowMs - this.queue[0].queuedAtMs > this.limits.queueAgeMsMax) {
      this.drop((this.queue.shift() as Queued).ref, 'expired');
    }
  }

  /**
   * The peer just connected to us, so it is up: skip the rest of the backoff. Without this a restarted node waits
   * up to backoffMsMax for its peers' links, and a protocol with a shorter join timeout (the sequencer's) elects
   * itself before it hears who leads.
   */
  reconnectNow(): void {
    if (this.state !== 'waiting' || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.connect();
  }

  /** Stops retrying, lets the socket hand over what it holds (bounded by closeGraceMs), then destroys it. */
  async close(): Promise<void> {
    this.state = 'closed';
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    for (const frame of this.queue.splice(0)) this.drop(frame.ref, 'closed');
    const socket = this.socket;
    this.socket = null;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), this.limits.closeGraceMs);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private connect(): void {
    this.retryTimer = null;
    this.state = 'connecting';
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    let failure = 'closed';
    this.session = null;
    socket.on('connect', () => this.onConnect(socket, (why) => (failure = why)));
    socket.on('error', (error: NodeJS.ErrnoException) => (failure = error.code ?? error.message));
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.onClose(socket, failure));
  }

  /**
   * Without a secret the hello goes out at once. With one, the listener speaks first: its challenge line is
   * answered with a signed hello, and the session key of the reply signs every later frame.
   */
  private onConnect(socket: Socket, fail: (why: string) => void): void {
    if (this.socket !== socket || this.state === 'closed') return;
    socket.setKeepAlive(true, 10_000);
    const secret = this.identity.secret;
    if (secret === null) {
      // The peer never writes on this connection; reading only lets us see its end (a killed peer's FIN).
      socket.on('data', () => {});
      socket.write(encodeHello(this.identity.self, null) + '\n');
      this.onReady(socket);
      return;
    }
    const splitter = new LineSplitter(CHALLENGE_LINE_BYTES_MAX, false);
    const timer = setTimeout(() => {
      fail(`no challenge within ${this.limits.challengeTimeoutMs} ms (does node ${this.peer} run without --secret?)`);
      socket.destroy();
    }, this.limits.challengeTimeoutMs);
    socket.on('close', () => clearTimeout(timer));
    socket.on('data', (chunk: Buffer) => {
      if (this.session !== null || this.socket !== socket) return; // Nothing else is expected from the listener.
      const { lines, oversize } = splitter.push(chunk);
      if (lines.length === 0 && oversize === 0) return;
      clearTimeout(timer);
      const challenge =
        oversize > 0 ? { ok: false as const, problem: 'the challenge line is too long' } : decodeChallenge(lines[0]);
      if (!challenge.ok) {
        fail(challenge.problem);
        socket.destroy();
        return;
      }
      const answer = answerChallenge(this.identity.self, this.peer, secret, challenge.nonce);
      this.session = answer.session;
      socket.write(answer.hello + '\n');
      this.onReady(socket);
    });
  }

  private onReady(socket: Socket): void {
    this.state = 'connected';
    this.attempt = 0;
    this.expire(performance.now());
    for (const frame of this.queue.splice(0)) this.write(socket, frame);
    if (this.downReported || this.everConnected) {
      this.events.onNote(`link to node ${this.peer} is up${this.everConnected ? ' again' : ''}`);
    }
    this.downReported = false;
    this.everConnected = true;
    this.events.onStateChange();
  }

  private onClose(socket: Socket, failure: string): void {
    if (this.socket !== socket) return;
    this.socket = null;
    if (this.state === 'closed') return;
    const wasConnected = this.state === 'connected';
    this.state = 'waiting';
    if (!this.downReported) {
      const where = formatAddress(this.address);
      const what = wasConnected ? 'lost' : this.everConnected ? 'still down' : 'not reachable yet';
      this.events.onNote(`link to node ${this.peer} at ${where} ${what} (${failure}); retrying with backoff`);
      this.downReported = true;
    }
    const delayMs = this.backoffMs();
    this.attempt = Math.min(this.attempt + 1, BACKOFF_STEPS_MAX);
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.events.onStateChange();
  }

  /** min * 2^attempt, capped, times a jitter factor in [0.5, 1). */
  private backoffMs(): number {
    const ceilingMs = Math.min(this.limits.backoffMsMax, this.limits.backoffMsMin * 2 ** this.attempt);
    return Math.max(1, Math.round(ceilingMs * (0.5 + 0.5 * this.random.next())));
  }

  private write(socket: Socket, frame: Queued): void {
    if (socket.writableLength > this.limits.socketBufferBytesMax) {
      this.drop(frame.ref, 'socket-buffer-full');
      return;
    }
    // The counter goes up only for frames that are written: the listener expects every number exactly once.
    if (this.session !== null) this.session.counter += 1;
    socket.write(finishData(frame.core, this.session) + '\n');
  }

  private drop(ref: string, why: DropWhy): void {
    this.dropped += 1;
    this.events.onDrop(this.peer, ref, why);
  }
}
