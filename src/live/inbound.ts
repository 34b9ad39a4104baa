import { createServer, type Server, type Socket } from 'node:net';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import { formatAddress, type Address } from './config.ts';
import {
  decodeFrame,
  encodeChallenge,
  LineSplitter,
  newConnectionAuth,
  newNonce,
  type ConnectionAuth,
  type FrameRules,
} from './frames.ts';

export interface InboundLimits {
  /** Open inbound connections at most; a flood of connections is refused, not served. */
  connectionsMax: number;
  /**
   * Connections that have not said hello yet at most. A new one beyond it closes the oldest of them, so idle
   * sockets cannot keep a real peer out; together with one connection per peer this bounds every connection.
   */
  unauthenticatedMax: number;
  /** A connection that has not said hello by then is closed, so idle sockets cannot pin the connection slots. */
  helloTimeoutMs: number;
  /** Refused-connection notes at most once per this interval (a flood is one line, with a count). */
  refusalNoteIntervalMs: number;
}

export const INBOUND_LIMITS_DEFAULT: InboundLimits = {
  connectionsMax: 64,
  unauthenticatedMax: 8,
  helloTimeoutMs: 5_000,
  refusalNoteIntervalMs: 1_000,
};

export interface InboundEvents {
  onFrame(from: NodeId, msg: Json, ref: string): void;
  /** A peer said hello: it is up, whatever our own link to it believes. */
  onHello(from: NodeId): void;
  onNote(text: string): void;
  /** A dropped connection: the host throttles these by kind, so an attacker cannot grow the history without bound. */
  onDropNote(kind: string, text: string): void;
  onStateChange(): void;
}

export class ListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ListenError';
  }
}

interface Connection {
  socket: Socket;
  remote: string;
  auth: ConnectionAuth;
  /** Set once the connection is being dropped: lines already read after a bad one are ignored. */
  dropped: boolean;
  /** Guards only the hello: once a peer has said it, the connection may stay quiet for as long as it likes. */
  helloTimer: NodeJS.Timeout | null;
}

/**
 * Accepts peers' connections and only reads them. Every line is checked (size, UTF-8, JSON, HMAC, hello, sender,
 * message shape) before the host sees it; the first bad line ends the connection with one log line saying why,
 * and the node goes on.
 */
export class InboundServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private refusedSinceNote = 0;
  private reading = true;
  private lastRefusalNoteMs = -Infinity;

  constructor(
    private readonly rules: FrameRules,
    private readonly frameBytesMax: number,
    private readonly limits: InboundLimits,
    private readonly events: InboundEvents,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(address: Address): Promise<Address> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const where = formatAddress(address);
        const why =
          error.code === 'EADDRINUSE'
            ? 'the address is in use (is this node already running, or another program on that port?)'
            : error.code === 'EADDRNOTAVAIL'
              ? 'no network interface of this machine has that address'
              : (error.code ?? error.message);
        reject(new ListenError(`cannot listen on ${where}: ${why}`));
      };
      this.server.once('error', onError);
      this.server.listen({ host: address.host, port: address.port, exclusive: true }, () => {
        this.server.off('error', onError);
        // Later server errors (rare: EMFILE) must not throw out of the event loop; they are noted.
        this.server.on('error', (error) => this.events.onNote(`listening socket error: ${error.message}`));
        const bound = this.server.address();
        resolve(typeof bound === 'object' && bound !== null ? { host: address.host, port: bound.port } : address);
      });
    });
  }

  /** Backpressure: while false, no connection is read (new ones included); TCP then slows the senders. */
  setReading(reading: boolean): void {
    if (this.reading === reading) return;
    this.reading = reading;
    for (const connection of this.connections) {
      if (reading) connection.socket.resume();
      else connection.socket.pause();
    }
  }

  /** Peers with an open connection that has said hello. */
  connectedPeers(): Set<NodeId> {
    const peers = new Set<NodeId>();
    for (const connection of this.connections)
      if (connection.auth.helloFrom !== null && !connection.dropped) peers.add(connection.auth.helloFrom);
    return peers;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.makeRoomForUnauthenticated();
    if (this.connections.size >= this.limits.connectionsMax) {
      socket.destroy();
      this.noteRefusal(remote);
      return;
    }
    const challenge = this.rules.secret === null ? null : newNonce();
    const connection: Connection = {
      socket,
      remote,
      auth: newConnectionAuth(challenge),
      dropped: false,
      helloTimer: null,
    };
    this.connections.add(connection);
    // With a secret the dialler must answer this connection's own nonce, so no recorded hello works twice.
    if (challenge !== null) socket.write(encodeChallenge(challenge) + '\n');
    const splitter = new LineSplitter(this.frameBytesMax, false);
    connection.helloTimer = setTimeout(
      () => this.drop(connection, `no hello within ${this.limits.helloTimeoutMs} ms`),
      this.limits.helloTimeoutMs,
    );
    if (!this.reading) socket.pause();
    socket.on('data', (chunk: Buffer) => {
      if (connection.dropped) return;
      const { lines, oversize } = splitter.push(chunk);
      for (const line of lines) if (!this.handleLine(connection, line)) return;
      if (oversize > 0) this.drop(connection, `frame over the ${this.frameBytesMax}-byte limit`);
    });
    socket.on('error', () => {}); // A reset by the peer; 'close' follows and cleans up.
    socket.on('close', () => {
      this.clearHelloTimer(connection);
      this.connections.delete(connection);
      if (connection.auth.helloFrom !== null && !connection.dropped) this.events.onStateChange();
    });
  }

  /** Closes the oldest connections that have not said hello while there are unauthenticatedMax of them or more. */
  private makeRoomForUnauthenticated(): void {
    const waiting = [...this.connections].filter(
      (connection) => connection.auth.helloFrom === null && !connection.dropped,
    );
    for (let index = 0; waiting.length - index >= this.limits.unauthenticatedMax; index += 1) {
      this.drop(
        waiting[index],
        `closed to make room: ${this.limits.unauthenticatedMax} connections were waiting for a hello`,
        'evicted',
      );
    }
  }

  private clearHelloTimer(connection: Connection): void {
    if (connection.helloTimer !== null) clearTimeout(connection.helloTimer);
    connection.helloTimer = null;
  }

  /** Returns false when the connection was dropped (the rest of the chunk is ignored). */
  private handleLine(connection: Connection, line: Buffer): boolean {
    if (connection.dropped) return false;
    let decoded: ReturnType<typeof decodeFrame>;
    try {
      decoded = decodeFrame(line, this.rules, connection.auth);
    } catch (error) {
      // A protocol's shape check that throws on hostile input must cost a connection, never the node.
      decoded = { ok: false, problem: `frame could not be checked: ${(error as Error).message}` };
    }
    if (!decoded.ok) {
      this.drop(connection, decoded.problem);
      return false;
    }
    const frame = decoded.frame;
    if (frame.kind === 'hello') {
      this.clearHelloTimer(connection);
      // One connection per peer: a restarted peer's new connection replaces its old one (which may be half-open).
      for (const other of this.connections) {
        if (other !== connection && other.auth.helloFrom === frame.from && !other.dropped) {
          this.drop(other, `node ${frame.from} opened a newer connection`, 'replaced');
        }
      }
      this.events.onHello(frame.from);
      this.events.onStateChange();
      return true;
    }
    this.events.onFrame(frame.from, frame.msg, frame.ref);
    return true;
  }

  /** Ends a connection with one (throttled) note; `kind` keys the throttle, so a flood of one kind is one line. */
  private drop(connection: Connection, problem: string, kind = 'bad-frame'): void {
    if (connection.dropped) return;
    connection.dropped = true;
    this.clearHelloTimer(connection);
    const helloFrom = connection.auth.helloFrom;
    const who = helloFrom === null ? '' : ` (said hello as node ${helloFrom})`;
    // The throttle key is the kind of problem without its details (the quoted glimpse, the numbers).
    const key = `${kind}:${problem.replace(/["(\d].*$/s, '')}`;
    this.events.onDropNote(key, `dropped connection from ${connection.remote}${who}: ${problem}`);
    connection.socket.destroy();
    if (helloFrom !== null) this.events.onStateChange();
  }

  private noteRefusal(remote: string): void {
    this.refusedSinceNote += 1;
    const nowMs = Date.now();
    if (nowMs - this.lastRefusalNoteMs < this.limits.refusalNoteIntervalMs) return;
    this.lastRefusalNoteMs = nowMs;
    const count = this.refusedSinceNote;
    this.refusedSinceNote = 0;
    this.events.onNote(
      `refused ${count === 1 ? `a connection from ${remote}` : `${count} connections (latest from ${remote})`}: ` +
        `${this.limits.connectionsMax} connections are open already`,
    );
  }
}
