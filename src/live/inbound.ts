import { createServer, type Server, type Socket } from 'node:net';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import { formatAddress, type Address } from './config.ts';
import { decodeFrame, LineSplitter, type FrameRules } from './frames.ts';

export interface InboundLimits {
  /** Open inbound connections at most; a flood of connections is refused, not served. */
  connectionsMax: number;
  /** A connection that has not said hello by then is closed, so idle sockets cannot pin the connection slots. */
  helloTimeoutMs: number;
  /** Refused-connection notes at most once per this interval (a flood is one line, with a count). */
  refusalNoteIntervalMs: number;
}

export const INBOUND_LIMITS_DEFAULT: InboundLimits = {
  connectionsMax: 64,
  helloTimeoutMs: 5_000,
  refusalNoteIntervalMs: 1_000,
};

export interface InboundEvents {
  onFrame(from: NodeId, msg: Json, ref: string): void;
  /** A peer said hello: it is up, whatever our own link to it believes. */
  onHello(from: NodeId): void;
  onNote(text: string): void;
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
  helloFrom: NodeId | null;
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

  /** Peers with an open connection that has said hello. */
  connectedPeers(): Set<NodeId> {
    const peers = new Set<NodeId>();
    for (const connection of this.connections) if (connection.helloFrom !== null && !connection.dropped) peers.add(connection.helloFrom);
    return peers;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (this.connections.size >= this.limits.connectionsMax) {
      socket.destroy();
      this.noteRefusal(remote);
      return;
    }
    const connection: Connection = { socket, remote, helloFrom: null, dropped: false, helloTimer: null };
    this.connections.add(connection);
    const splitter = new LineSplitter(this.frameBytesMax, false);
    connection.helloTimer = setTimeout(
      () => this.drop(connection, `no hello within ${this.limits.helloTimeoutMs} ms`),
      this.limits.helloTimeoutMs,
    );
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
      if (connection.helloFrom !== null && !connection.dropped) this.events.onStateChange();
    });
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
      decoded = decodeFrame(line, this.rules, connection.helloFrom);
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
      connection.helloFrom = frame.from;
      this.clearHelloTimer(connection);
      this.events.onHello(frame.from);
      this.events.onStateChange();
      return true;
    }
    this.events.onFrame(frame.from, frame.msg, frame.ref);
    return true;
  }

  private drop(connection: Connection, problem: string): void {
    if (connection.dropped) return;
    connection.dropped = true;
    this.clearHelloTimer(connection);
    const who = connection.helloFrom === null ? '' : ` (said hello as node ${connection.helloFrom})`;
    this.events.onNote(`dropped connection from ${connection.remote}${who}: ${problem}`);
    connection.socket.destroy();
    if (connection.helloFrom !== null) this.events.onStateChange();
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
