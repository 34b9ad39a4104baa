import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LineSplitter, encodeData, encodeHello, macOf } from '../src/live/frames.ts';
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
    const splitter = new LineSplitter(1 << 20, false);
    socket.on('data', (chunk: Buffer) => heard.push(...splitter.push(chunk).lines.map(String)));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: ports[0] }, () => resolve()));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const dataDir = temporaryDirectory();
  const node = new LiveNode({ id: 2, addresses: loopbackAddresses(ports), protocol: sequencer, dataDir, secret: SECRET });
  const watched = watch(node);
  await node.start();
  cleanups.push(() => node.stop());
  return { watched, port: ports[1], heard, dataDir };
}

/** Sends lines on a fresh connection; resolves when node 2 closes it or after `holdMs`. */
function dial(port: number, lines: string[], holdMs = 1_000): Promise<'closed by node' | 'still open'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(lines.map((line) => line + '\n').join('')));
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

describe('--secret: every frame carries an HMAC', () => {
  it('accepts frames with a valid mac and answers with signed frames of its own', async () => {
    const { port, heard } = await nodeWithSecret();
    const outcome = await dial(port, [encodeHello(1, SECRET), encodeData(1, { type: 'JOIN', term: 0 }, '1:1:1', SECRET)], 300);
    expect(outcome).toBe('still open');
    await waitFor(() => heard.some((line) => line.includes('JOIN_ACK')), 5_000, 'a JOIN_ACK from node 2');
    for (const line of heard) {
      const { mac, ...unsigned } = JSON.parse(line) as { mac: string };
      expect(mac).toBe(macOf(unsigned, SECRET));
    }
  });

  it('drops a connection whose frame has no mac, or a wrong one, with one log line each', async () => {
    const { watched, port, dataDir } = await nodeWithSecret();
    expect(await dial(port, [encodeHello(1, null)])).toBe('closed by node');
    expect(await dial(port, [encodeHello(1, 'a different secret')])).toBe('closed by node');
    expect(await dial(port, [encodeHello(1, SECRET), encodeData(1, { type: 'JOIN', term: 0 }, '1:1:1', 'a different secret')])).toBe(
      'closed by node',
    );
    const tampered = encodeData(1, { type: 'JOIN', term: 0 }, '1:1:2', SECRET).replace('"term":0', '"term":7');
    expect(await dial(port, [encodeHello(1, SECRET), tampered])).toBe('closed by node');
    const drops = watched.notes.filter((note) => note.startsWith('dropped connection'));
    expect(drops).toHaveLength(4);
    expect(drops[0]).toMatch(/no "mac" but this node requires one/);
    expect(drops.slice(1).every((note) => /"mac" does not match/.test(note))).toBe(true);
    const logged = readFileSync(nodeFiles(dataDir, 2).history, 'utf8');
    expect(logged.match(/"type":"log","node":2,"text":"dropped connection/g)).toHaveLength(4);
    expect(watched.node.running).toBe(true);
  });

  it('lets nodes that share the secret chat, and keeps out one that does not', async () => {
    const cluster = await startInProcessCluster(2, sequencer, { options: FAST_SEQUENCER_OPTIONS, secret: SECRET });
    cleanups.push(() => cluster.stop());
    await waitFor(() => cluster.nodes.every((watched) => watched.node.status()?.leader === 2), 10_000, 'node 2 to lead');
    cluster.nodes[0].node.submit('signed and sealed');
    await waitFor(() => cluster.nodes.every((watched) => watched.deliveries.length === 1), 10_000, 'the delivery on both');

    const ports = [...cluster.addresses.values()].map((address) => address.port);
    const outsiderPort = (await freePorts(1))[0];
    const addresses = loopbackAddresses([...ports, outsiderPort]);
    const outsider = watch(new LiveNode({ id: 3, addresses, protocol: sequencer, dataDir: temporaryDirectory(), secret: 'not the secret' }));
    // The others check the mac before anything else, so the outsider's first frame is refused for its mac.
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
