import { connect, type Socket } from 'node:net';
import { answerChallenge, decodeChallenge, encodeData, encodeHello, LineSplitter } from '../../src/live/frames.ts';
import type { NodeId } from '../../src/core/ids.ts';
import type { Json } from '../../src/core/json.ts';

/** Raw connections to a live node, as an attacker (or a test playing a peer) makes them. */

export type DialOutcome = 'closed by node' | 'still open';

/**
 * Dials `port`, sends `lines` (as latin1 when `latin1`, so random "bytes" stay bytes) and resolves when the node
 * closes the connection or after `holdMs`; the socket is destroyed either way.
 */
export function dialLines(
  port: number,
  lines: readonly string[],
  holdMs = 1_000,
  latin1 = false,
): Promise<DialOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('still open');
    }, holdMs);
    socket.on('connect', () =>
      socket.write(Buffer.from(lines.map((line) => line + '\n').join(''), latin1 ? 'latin1' : 'utf8')),
    );
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed by node');
    });
  });
}

/** A connection that says hello as `from` (no secret) and stays open until `close` is called. */
export function idleHello(port: number, from: NodeId | null): Promise<{ socket: Socket; close(): void }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      if (from !== null) socket.write(encodeHello(from, null) + '\n');
      resolve({ socket, close: () => socket.destroy() });
    });
    socket.on('error', () => {});
    socket.on('data', () => {});
  });
}

/** The frames of a peer without a secret: a hello, then each message with a fresh ref. */
export function plainFrames(from: NodeId, messages: readonly Json[], boot = 99): string[] {
  return [
    encodeHello(from, null),
    ...messages.map((msg, index) => encodeData(from, msg, `${from}:${boot}:${index + 1}`, null)),
  ];
}

/**
 * Dials a node that has a secret: waits for its challenge, then sends what `build` makes of it (say, a signed
 * hello and frames, or a captured replay). Resolves like dialLines.
 */
export function dialSigned(port: number, build: (challenge: string) => string[], holdMs = 1_000): Promise<DialOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const splitter = new LineSplitter(1024, false);
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      const [line] = splitter.push(chunk).lines;
      if (answered || line === undefined) return;
      answered = true;
      const challenge = decodeChallenge(line);
      if (challenge.ok)
        socket.write(
          build(challenge.nonce)
            .map((text) => text + '\n')
            .join(''),
        );
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('still open');
    }, holdMs);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed by node');
    });
  });
}

/** A signed hello from `from` to `to` answering `challenge`, then `messages` signed with counters 1, 2, ... */
export function signedFrames(
  from: NodeId,
  to: NodeId,
  secret: string,
  challenge: string,
  messages: readonly Json[],
): string[] {
  const { hello, session } = answerChallenge(from, to, secret, challenge);
  return [
    hello,
    ...messages.map((msg, index) => {
      session.counter = index + 1;
      return encodeData(from, msg, `${from}:99:${index + 1}`, session);
    }),
  ];
}
