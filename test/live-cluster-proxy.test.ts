import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from '../src/cluster/proxy.ts';

/** A target that records every byte it receives, per connection, and can answer back. */
interface Sink {
  server: Server;
  port: number;
  received: () => string;
  connections: Socket[];
}

async function startSink(port = 0): Promise<Sink> {
  let text = '';
  const connections: Socket[] = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return { server, port: address.port, received: () => text, connections };
}

async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Polls until `done()` holds; fails the test after a bound rather than hanging it. */
async function until(done: () => boolean, what: string, boundMs = 5_000): Promise<void> {
  for (let waitedMs = 0; !done(); waitedMs += 10) {
    if (waitedMs >= boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: { highWater?: number; passFirstFrames?: number } = {}) {
  const sink = await startSink();
  const dropped: string[] = [];
  const proxy = await LinkProxy.start({
    targetPort: sink.port,
    pendingBytesHighWater: options.highWater,
    passFirstFrames: options.passFirstFrames,
    onDroppedFrame: (frame) => dropped.push(frame),
  });
  const client = await dial(proxy.port);
  cleanups.push(
    () => void client.destroy(),
    () => proxy.close(),
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sink.connections) socket.destroy();
        sink.server.close(() => resolve());
      }),
  );
  return { sink, proxy, client, dropped };
}

describe('link proxy', () => {
  it('passes bytes through unchanged, and the answer back too', async () => {
    const { sink, client } = await setUp();
    client.write('{"a":1}\n{"b":');
    client.write('2}\n');
    await until(() => sink.received() === '{"a":1}\n{"b":2}\n', 'the frames');
    let answer = '';
    client.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    sink.connections[0].write('ok\n');
    await until(() => answer === 'ok\n', 'the answer');
  });

  it('drops whole frames in drop mode and finishes a frame it had started', async () => {
    const { sink, proxy, client, dropped } = await setUp();
    client.write('first\npart');
    await until(() => sink.received() === 'first\npart', 'the first frame and a half');
    proxy.setMode('drop');
    client.write('ial\nlost one\nlost ');
    await until(() => sink.received() === 'first\npartial\n', 'the end of the torn frame');
    proxy.setMode('pass');
    client.write('two\nafter\n');
    await until(() => sink.received().endsWith('after\n'), 'the frame after the drop');
    expect(sink.received()).toBe('first\npartial\nafter\n');
    expect(dropped).toEqual(['lost one', 'lost two']);
    expect(proxy.stats().framesDropped).toBe(2);
  });

  it('closes connections and refuses new ones in refuse mode', async () => {
    const { proxy, client } = await setUp();
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    proxy.setMode('refuse');
    await closed;
    const again = connect({ host: '127.0.0.1', port: proxy.port });
    again.on('error', () => {});
    await new Promise<void>((resolve) => again.once('close', () => resolve()));
    expect(proxy.stats().connectionsRefused).toBe(1);
    proxy.setMode('pass');
    const third = await dial(proxy.port);
    cleanups.push(() => void third.destroy());
    await until(() => proxy.stats().connectionsAccepted === 2, 'a new connection once the link is back');
  });

  it('delays bytes and keeps their order when the delay shrinks', async () => {
    const { sink, proxy, client } = await setUp();
    proxy.setDelayMs(1_000);
    client.write('slow 1\nslow 2\n');
    await until(() => proxy.stats().bytesPending === 14, 'the proxy to take the slow frames');
    expect(sink.received()).toBe('');
    proxy.setDelayMs(0);
    for (let index = 0; index < 20; index += 1) client.write(`fast ${index}\n`);
    await until(() => sink.received().endsWith('fast 19\n'), 'every frame');
    const frames = sink.received().trimEnd().split('\n');
    expect(frames).toEqual(['slow 1', 'slow 2', ...Array.from({ length: 20 }, (_, index) => `fast ${index}`)]);
  });

  it('holds bytes until release, within its bound, and loses none', async () => {
    const { sink, proxy, client } = await setUp({ highWater: 4_096 });
    proxy.hold();
    const frame = 'x'.repeat(99) + '\n';
    const expected = frame.repeat(2_000);
    client.write(expected);
    await until(() => proxy.stats().bytesPending >= 4_096, 'the proxy to fill up to its bound');
    // Reading stops at the bound: the rest waits in the kernel and the sender, not in the proxy.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.stats().bytesPending).toBeLessThan(4_096 + 65_536);
    expect(sink.received()).toBe('');
    proxy.release();
    await until(() => sink.received().length === expected.length, 'every held byte');
    expect(sink.received()).toBe(expected);
    expect(proxy.stats().bytesPending).toBe(0);
  });

  it('forwards what a vanished sender had in flight, then closes the link', async () => {
    const { sink, proxy, client } = await setUp();
    proxy.hold();
    client.write('last words\n');
    await until(() => proxy.stats().bytesPending === 11, 'the proxy to hold the frame');
    client.destroy();
    const upstreamClosed = new Promise<void>((resolve) => sink.connections[0].once('close', () => resolve()));
    proxy.release();
    await upstreamClosed;
    expect(sink.received()).toBe('last words\n');
  });

  it('lets the first frame of a connection (a hello) through a hold or a drop', async () => {
    const { sink, proxy, client } = await setUp({ passFirstFrames: 1 });
    proxy.hold();
    client.write('{"hello":{"from":1}}\nheld\n');
    await until(() => sink.received() === '{"hello":{"from":1}}\n', 'the hello');
    await until(() => proxy.stats().bytesPending === 5, 'the proxy to hold the frame after it');
    proxy.setMode('drop');
    client.write('dropped\n');
    await until(() => proxy.stats().framesDropped === 1, 'the drop');
    proxy.setMode('pass');
    client.write('after\n');
    await until(() => sink.received().endsWith('after\n'), 'the last frame');
    // Leaving the hold for the drop released what was held, in order, before anything newer.
    expect(sink.received()).toBe('{"hello":{"from":1}}\nheld\nafter\n');
  });

  it('keeps a new connection and its bytes while the target is not listening yet', async () => {
    const reserved = await startSink();
    const port = reserved.port;
    await new Promise<void>((resolve) => reserved.server.close(() => resolve()));
    const proxy = await LinkProxy.start({ targetPort: port });
    const client = await dial(proxy.port);
    cleanups.push(
      () => void client.destroy(),
      () => proxy.close(),
    );
    client.write('early\n');
    await until(() => proxy.stats().bytesPending === 6, 'the proxy to keep the early frame');
    const late = await startSink(port);
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of late.connections) socket.destroy();
          late.server.close(() => resolve());
        }),
    );
    await until(() => late.received() === 'early\n', 'the frame, once the target listens');
  });
});
