import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  answerChallenge,
  decodeChallenge,
  encodeChallenge,
  encodeData,
  encodeHello,
  LineSplitter,
} from '../src/live/frames.ts';
import { LiveNode, nodeFiles } from '../src/live/host.ts';
import {
  FAST_SEQUENCER_OPTIONS,
  freePorts,
  loopbackAddresses,
  startInProcessCluster,
  temporaryDirectory,
  waitFor,
  watch,
  type WatchedNode,
} from './support/live.ts';
import { sequencer } from '../src/protocols/sequencer/index.ts';

const SECRET = 'a shared secret for tests';
const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Node 2 runs for real with a secret; the test plays node 1: it dials node 2, and listens where node 1 would. */
async function nodeWithSecret(): Promise<{ watched: WatchedNode; port: number; heard: string[]; dataDir: string }> {
  const ports = await freePorts(2);
  const heard: string[] = [];
  const server: Server = createServer((socket) => {
    socket.write(encodeChallenge('0123456789abcdef0123456789abcdef') + '\n');
    const splitter = new LineSplitter(1 << 20, false);
    socket.on('data', (chunk: Buffer) => heard.push(...splitter.push(chunk).lines.map(String)));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: ports[0] }, () => resolve()));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const dataDir = temporaryDirectory();
  const node = new LiveNode({
    id: 2,
    addresses: loopbackAddresses(ports),
    protocol: sequencer,
    dataDir,
    secret: SECRET,
  });
  const watched = watch(node);
  await node.start();
  cleanups.push(() => node.stop());
  return { watched, port: ports[1], heard, dataDir };
}

/**
 * Dials node 2, waits for its challenge and sends the lines `build` makes from it; resolves when node 2 closes
 * the connection or after `holdMs`.
 */
function dial(
  port: number,
  build: (challenge: string) => string[],
  holdMs = 1_000,
): Promise<'closed by node' | 'still open'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const splitter = new LineSplitter(1024, false);
    socket.on('data', (chunk: Buffer) => {
      const [line] = splitter.push(chunk).lines;
      if (line === undefined) return;
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

/** The lines of a well-behaved node 1: its signed hello, then `messages` signed with counters 1, 2, ... */
function signedLines(challenge: string, messages: Array<Record<string, unknown>>, secret = SECRET): string[] {
  const { hello, session } = answerChallenge(1, 2, secret, challenge);
  return [
    hello,
    ...messages.map((msg, index) => {
      session.counter = index + 1;
      return encodeData(1, msg as never, `1:1:${index + 1}`, session);
    }),
  ];
}

const JOIN = { type: 'JOIN', term: 0 };

describe('--secret: every frame carries an HMAC', () => {
  it('accepts signed frames after a challenge, and signs its own', async () => {
    const { port, heard } = await nodeWithSecret();
    expect(await dial(port, (challenge) => signedLines(challenge, [JOIN]), 300)).toBe('still open');
    // Node 2 dials back (as node 1's address is the test's server) and signs its JOIN_ACK for that connection.
    await waitFor(() => heard.some((line) => line.includes('JOIN_ACK')), 5_000, 'a JOIN_ACK from node 2');
    expect(heard.every((line) => /,"n":\d+,"mac":"[0-9a-f]{64}"}$/.test(line) || line.includes('"hello"'))).toBe(true);
  });

  it('drops a connection whose frame has no mac, a wrong one, a replayed one or one out of order', async () => {
    const { watched, port, dataDir } = await nodeWithSecret();
    expect(await dial(port, () => [encodeHello(1, null)])).toBe('closed by node');
    expect(await dial(port, (challenge) => signedLines(challenge, [], 'a different secret'))).toBe('closed by node');
    expect(
      await dial(port, (challenge) =>
        signedLines(challenge, [JOIN]).map((line, index) =>
          index === 1 ? line.replace('"term":0', '"term":7') : line,
        ),
      ),
    ).toBe('closed by node');
    // E: a captured frame replayed, on its own connection or on a new one, is refused.
    let captured: string[] = [];
    expect(await dial(port, (challenge) => (captured = signedLines(challenge, [JOIN])), 300)).toBe('still open');
    expect(await dial(port, (challenge) => [...signedLines(challenge, [JOIN]), captured[1]])).toBe('closed by node');
    expect(
      await dial(port, (challenge) =>
        signedLines(challenge, [JOIN, JOIN]).map((line, index, lines) => (index === 2 ? lines[1] : line)),
      ),
    ).toBe('closed by node');
    expect(await dial(port, () => captured)).toBe('closed by node');
    const drops = watched.notes.filter((note) => note.startsWith('dropped connection'));
    expect(drops[0]).toMatch(/no "mac" but this node requires one/);
    expect(drops.some((note) => /"mac" does not match/.test(note))).toBe(true);
    expect(drops.some((note) => /counter is "1", expected 2/.test(note))).toBe(true);
    expect(drops.some((note) => /another challenge/.test(note))).toBe(true);
    const logged = readFileSync(nodeFiles(dataDir, 2).history, 'utf8');
    expect(logged.match(/"type":"log","node":2,"text":"dropped connection/g)?.length).toBe(drops.length);
    expect(watched.node.running).toBe(true);
  });

  it('lets nodes that share the secret chat, and keeps out one that does not', async () => {
    const cluster = await startInProcessCluster(2, sequencer, { options: FAST_SEQUENCER_OPTIONS, secret: SECRET });
    cleanups.push(() => cluster.stop());
    await waitFor(
      () => cluster.nodes.every((watched) => watched.node.status()?.leader === 2),
      10_000,
      'node 2 to lead',
    );
    cluster.nodes[0].node.submit('signed and sealed');
    await waitFor(
      () => cluster.nodes.every((watched) => watched.deliveries.length === 1),
      10_000,
      'the delivery on both',
    );

    const ports = [...cluster.addresses.values()].map((address) => address.port);
    const outsiderPort = (await freePorts(1))[0];
    const addresses = loopbackAddresses([...ports, outsiderPort]);
    const outsider = watch(
      new LiveNode({ id: 3, addresses, protocol: sequencer, dataDir: temporaryDirectory(), secret: 'not the secret' }),
    );
    // The others check the mac before anything else, so the outsider's hello is refused for its mac.
    await outsider.node.start();
    cleanups.push(() => outsider.node.stop());
    await waitFor(
      () => cluster.nodes.some((watched) => watched.notes.some((note) => /"mac" does not match/.test(note))),
      10_000,
      'the outsider to be refused',
    );
    expect(outsider.deliveries).toHaveLength(0);
  });
});
