import { createServer, connect, type Server, type Socket } from 'node:net';
import { invariant } from '../core/assert.ts';

/**
 * One directed link of a live cluster as a TCP proxy: node i connects to it as if it were node j, and the proxy
 * forwards the bytes to node j. The launcher turns network faults into proxy modes at run time:
 *
 * - `pass`: forward everything (after `delayMs`, if set);
 * - `drop`: swallow whole frames (newline-delimited) and keep the connection open, as a partition that loses
 *   messages; a frame already half forwarded when the mode changes is finished first, so the stream never carries
 *   a torn frame;
 * - `refuse`: close every connection and refuse new ones, as a link that is down (the sender sees a disconnect);
 * - `hold`: keep new bytes, in order, until `release()` (a stalled link that loses nothing).
 *
 * Faults apply to the direction the link names (client to target). Bytes the target writes back on the same
 * connection pass untouched, since the link the other way has its own proxy.
 */
export type LinkMode = 'pass' | 'drop' | 'refuse' | 'hold';

export interface LinkProxyOptions {
  targetHost?: string;
  targetPort: number;
  /** Where the proxy listens; port 0 asks the OS for a free one. */
  listenHost?: string;
  listenPort?: number;
  /** Bytes a connection may keep (held, delayed, awaiting the target) before the proxy stops reading from it. */
  pendingBytesHighWater?: number;
  /** How long a new connection waits for the target to listen (it may be starting or restarting). */
  upstreamWaitMs?: number;
  /** How many connections the proxy keeps at once; more are refused. */
  connectionsMax?: number;
  /**
   * The first frames of every connection always pass, whatever the mode: a transport's hello that a receiver
   * waits for with a timeout. Without it a held link would be closed by its receiver and lose what it held.
   */
  passFirstFrames?: number;
  /** Called with each dropped frame (cut to `dropPeekBytesMax`), so a launcher can say what was lost. */
  onDroppedFrame?: (frame: string, complete: boolean) => void;
}

export interface LinkProxyStats {
  connectionsAccepted: number;
  connectionsRefused: number;
  bytesForwarded: number;
  framesDropped: number;
  bytesDropped: number;
  /** Bytes held, delayed or waiting for the target right now, over all connections. */
  bytesPending: number;
}

export const PENDING_BYTES_HIGH_WATER_DEFAULT = 1 << 20;
export const CONNECTIONS_MAX_DEFAULT = 16;
/** How much of a dropped frame is kept to show what was lost; frames are bounded by the host anyway. */
export const DROP_PEEK_BYTES_MAX = 64 * 1024;
/** A delay past this is a mistake (a scenario in seconds rather than ms), not a network. */
export const DELAY_MS_MAX = 600_000;
/** How long a new connection waits for its target to listen before the proxy gives up and closes it. */
export const UPSTREAM_WAIT_MS_DEFAULT = 30_000;
const UPSTREAM_RETRY_MS_MIN = 25;
const UPSTREAM_RETRY_MS_MAX = 100;

const NEWLINE = 0x0a;

interface Pending {
  chunk: Buffer;
  releaseAtMs: number;
}

/** One accepted connection and its upstream twin, with the queue between them. */
class Pair {
  readonly queue: Pending[] = [];
  readonly held: Buffer[] = [];
  pendingBytes = 0;
  upstream: Socket | null = null;
  upstreamReady = false;
  /** Failed attempts to reach the target so far, and when the first one started. */
  upstreamAttempts = 0;
  upstreamSinceMs = Date.now();
  retryTimer: NodeJS.Timeout | null = null;
  clientEnded = false;
  closed = false;
  /** How the frame now crossing the proxy is treated; null at a frame boundary. */
  frameFate: 'pass' | 'drop' | null = null;
  dropPeek: Buffer[] = [];
  dropPeekBytes = 0;
  timer: NodeJS.Timeout | null = null;
  lastReleaseAtMs = 0;
  upstreamBlocked = false;

  constructor(
    readonly client: Socket,
    /** Frames still to pass before the mode applies. */
    public preambleFramesLeft: number,
  ) {}
}

export class LinkProxy {
  private modeNow: LinkMode = 'pass';
  private targetPort: number;
  private delayMsNow = 0;
  private readonly pairs = new Set<Pair>();
  private readonly highWater: number;
  private readonly connectionsMax: number;
  private readonly upstreamWaitMs: number;
  private readonly counters = {
    connectionsAccepted: 0,
    connectionsRefused: 0,
    bytesForwarded: 0,
    framesDropped: 0,
    bytesDropped: 0,
  };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly options: LinkProxyOptions,
  ) {
    this.highWater = options.pendingBytesHighWater ?? PENDING_BYTES_HIGH_WATER_DEFAULT;
    this.connectionsMax = options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT;
    this.upstreamWaitMs = options.upstreamWaitMs ?? UPSTREAM_WAIT_MS_DEFAULT;
    this.targetPort = options.targetPort;
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens (on a port from the OS unless one is given) and resolves once the proxy accepts connections. */
  static async start(options: LinkProxyOptions): Promise<LinkProxy> {
    invariant(Number.isInteger(options.targetPort) && options.targetPort > 0, `bad target port ${options.targetPort}`);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.listenPort ?? 0, options.listenHost ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    invariant(address !== null && typeof address === 'object', 'a listening proxy has an address');
    return new LinkProxy(server, address.port, options);
  }

  get mode(): LinkMode {
    return this.modeNow;
  }

  get delayMs(): number {
    return this.delayMsNow;
  }

  stats(): LinkProxyStats {
    let bytesPending = 0;
    for (const pair of this.pairs) bytesPending += pair.pendingBytes;
    return { ...this.counters, bytesPending };
  }

  /** Switches the mode; leaving `hold` releases what was held, in order. */
  setMode(mode: LinkMode): void {
    const previous = this.modeNow;
    this.modeNow = mode;
    if (mode === 'refuse') {
      for (const pair of [...this.pairs]) this.closePair(pair);
      return;
    }
    if (previous === 'hold' && mode !== 'hold') {
      for (const pair of this.pairs) this.releaseHeld(pair);
    }
  }

  hold(): void {
    this.setMode('hold');
  }

  release(): void {
    if (this.modeNow === 'hold') this.setMode('pass');
  }

  /** Where new connections go from now on (the target moved to another port). */
  retarget(targetPort: number): void {
    invariant(Number.isInteger(targetPort) && targetPort > 0, `bad target port ${targetPort}`);
    this.targetPort = targetPort;
  }

  /** Every byte entering the link from now on waits this long before it goes on; order is kept. */
  setDelayMs(delayMs: number): void {
    invariant(Number.isFinite(delayMs) && delayMs >= 0 && delayMs <= DELAY_MS_MAX, `bad proxy delay ${delayMs} ms`);
    this.delayMsNow = delayMs;
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.closePair(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.modeNow === 'refuse' || this.pairs.size >= this.connectionsMax) {
      this.counters.connectionsRefused += 1;
      client.destroy();
      return;
    }
    this.counters.connectionsAccepted += 1;
    client.setNoDelay(true);
    const pair = new Pair(client, this.options.passFirstFrames ?? 0);
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => this.incoming(pair, chunk));
    client.on('end', () => {
      pair.clientEnded = true;
      this.pump(pair);
    });
    client.on('error', () => this.clientGone(pair));
    client.on('close', () => this.clientGone(pair));
    client.on('drain', () => pair.upstream?.resume());
    this.connectUpstream(pair);
  }

  /**
   * Reaches the target for a new connection. While the target is not listening (not started yet, or restarting)
   * the proxy keeps trying, with backoff and within a bound, and keeps the sender's bytes: what a sender's own
   * transport does when it queues frames and reconnects. Once connected, losing the target closes the link.
   */
  private connectUpstream(pair: Pair): void {
    pair.retryTimer = null;
    if (pair.closed) return;
    const upstream = connect({ host: this.options.targetHost ?? '127.0.0.1', port: this.targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('connect', () => {
      pair.upstreamReady = true;
      this.pump(pair);
    });
    upstream.on('drain', () => {
      pair.upstreamBlocked = false;
      this.updateFlow(pair);
    });
    // The way back is not faulted: the opposite link has its own proxy.
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.client.write(chunk)) upstream.pause();
    });
    upstream.on('error', () => {});
    upstream.on('close', () => {
      if (pair.upstream !== upstream) return;
      if (pair.upstreamReady || pair.clientEnded || Date.now() - pair.upstreamSinceMs >= this.upstreamWaitMs) {
        this.closePair(pair);
        return;
      }
      const delayMs = Math.min(UPSTREAM_RETRY_MS_MAX, UPSTREAM_RETRY_MS_MIN * 2 ** Math.min(pair.upstreamAttempts, 8));
      pair.upstreamAttempts += 1;
      pair.retryTimer = setTimeout(() => this.connectUpstream(pair), delayMs);
    });
  }

  /** A sender that vanished (say, killed) still has its bytes in flight: they go on, then the link closes. */
  private clientGone(pair: Pair): void {
    pair.clientEnded = true;
    this.pump(pair);
  }

  private incoming(pair: Pair, whole: Buffer): void {
    if (pair.closed) return;
    const chunk = this.passPreamble(pair, whole);
    if (chunk.length === 0) return;
    const kept = this.filterFrames(pair, chunk);
    if (kept.length === 0) return;
    if (this.modeNow === 'hold') {
      pair.held.push(kept);
      this.addPending(pair, kept.length);
      return;
    }
    this.enqueue(pair, kept);
    this.addPending(pair, kept.length);
    this.pump(pair);
  }

  /** Sends the connection's first frames on at once, past any hold or drop; returns the rest of the chunk. */
  private passPreamble(pair: Pair, chunk: Buffer): Buffer {
    let end = 0;
    while (pair.preambleFramesLeft > 0 && end < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, end);
      if (newline === -1) {
        end = chunk.length;
        break;
      }
      end = newline + 1;
      pair.preambleFramesLeft -= 1;
    }
    if (end === 0) return chunk;
    const preamble = chunk.subarray(0, end);
    this.enqueue(pair, preamble);
    this.addPending(pair, preamble.length);
    this.pump(pair);
    return chunk.subarray(end);
  }

  /** What of `chunk` goes on; in `drop` mode whole frames are swallowed, never a part of one. */
  private filterFrames(pair: Pair, chunk: Buffer): Buffer {
    if (this.modeNow !== 'drop' && pair.frameFate !== 'drop') {
      // Fast path: everything passes; only remember whether the chunk ended inside a frame.
      pair.frameFate = chunk[chunk.length - 1] === NEWLINE ? null : 'pass';
      return chunk;
    }
    const kept: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      pair.frameFate ??= this.modeNow === 'drop' ? 'drop' : 'pass';
      const piece = chunk.subarray(start, end);
      if (pair.frameFate === 'pass') kept.push(piece);
      else this.dropPiece(pair, piece, newline !== -1);
      if (newline !== -1) pair.frameFate = null;
      start = end;
    }
    return kept.length === 1 ? kept[0] : Buffer.concat(kept);
  }

  private dropPiece(pair: Pair, piece: Buffer, endsFrame: boolean): void {
    this.counters.bytesDropped += piece.length;
    if (pair.dropPeekBytes < DROP_PEEK_BYTES_MAX) {
      const room = DROP_PEEK_BYTES_MAX - pair.dropPeekBytes;
      const kept = piece.subarray(0, room);
      pair.dropPeek.push(kept);
      pair.dropPeekBytes += kept.length;
    }
    if (!endsFrame) return;
    this.counters.framesDropped += 1;
    const complete = pair.dropPeekBytes < DROP_PEEK_BYTES_MAX;
    const frame = Buffer.concat(pair.dropPeek).toString('utf8').replace(/\n$/, '');
    pair.dropPeek = [];
    pair.dropPeekBytes = 0;
    this.options.onDroppedFrame?.(frame, complete);
  }

  private enqueue(pair: Pair, chunk: Buffer): void {
    // A later chunk never leaves before an earlier one, even when the delay was just shortened.
    const releaseAtMs = Math.max(Date.now() + this.delayMsNow, pair.lastReleaseAtMs);
    pair.lastReleaseAtMs = releaseAtMs;
    pair.queue.push({ chunk, releaseAtMs });
  }

  private releaseHeld(pair: Pair): void {
    const held = pair.held.splice(0);
    for (const chunk of held) this.enqueue(pair, chunk);
    this.pump(pair);
  }

  /** Writes every chunk whose time has come, then sleeps until the next one. */
  private pump(pair: Pair): void {
    if (pair.closed || !pair.upstreamReady) return;
    const nowMs = Date.now();
    while (pair.queue.length > 0 && pair.queue[0].releaseAtMs <= nowMs) {
      const { chunk } = pair.queue.shift() as Pending;
      this.addPending(pair, -chunk.length);
      this.counters.bytesForwarded += chunk.length;
      if (!(pair.upstream as Socket).write(chunk)) pair.upstreamBlocked = true;
    }
    if (pair.timer !== null) clearTimeout(pair.timer);
    pair.timer = null;
    if (pair.queue.length > 0) {
      pair.timer = setTimeout(() => this.pump(pair), Math.max(1, pair.queue[0].releaseAtMs - nowMs));
    } else if (pair.clientEnded && pair.held.length === 0) {
      pair.upstream?.end();
    }
    this.updateFlow(pair);
  }

  private addPending(pair: Pair, bytes: number): void {
    pair.pendingBytes += bytes;
    invariant(pair.pendingBytes >= 0, 'a proxy connection cannot have negative pending bytes');
    this.updateFlow(pair);
  }

  /** Backpressure instead of an unbounded buffer: stop reading while too much waits, go on once it drains. */
  private updateFlow(pair: Pair): void {
    if (pair.closed || pair.clientEnded) return;
    const full = pair.pendingBytes >= this.highWater || pair.upstreamBlocked;
    if (full && !pair.client.isPaused()) pair.client.pause();
    else if (!full && pair.client.isPaused()) pair.client.resume();
  }

  private closePair(pair: Pair): void {
    if (pair.closed) return;
    pair.closed = true;
    if (pair.timer !== null) clearTimeout(pair.timer);
    pair.timer = null;
    pair.queue.length = 0;
    pair.held.length = 0;
    pair.pendingBytes = 0;
    pair.client.destroy();
    if (pair.retryTimer !== null) clearTimeout(pair.retryTimer);
    pair.retryTimer = null;
    pair.upstream?.destroy();
    this.pairs.delete(pair);
  }
}
