import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';
import type { NodeContext, ProtocolDefinition, ProtocolNode, Submission } from '../core/node.ts';
import { parseHistoryJsonl } from '../core/history.ts';
import { LineSplitter } from './frames.ts';
import { LiveNode, nodeFiles } from './host.ts';
import { ListenError } from './inbound.ts';
import { encodeLogLine, readLog } from './storage.ts';
import { LiveConfigError } from './config.ts';
import { freePorts, loopbackAddresses, temporaryDirectory, waitFor, watch } from '../../test/support/live.ts';

type Echo = { type: 'echo'; text: string };
type Ctx = NodeContext<Echo>;

/**
 * A protocol for testing the host: each submission's payload is a command ("persist-send", "timer:NAME:MS",
 * "cancel:NAME", "self", "throw") that exercises one part of the context.
 */
class CommandNode implements ProtocolNode<Echo> {
  recovered = 0;
  delivered = 0;
  start(ctx: Ctx, recovered: readonly Json[]): void {
    this.recovered = recovered.length;
    ctx.announce({ role: 'peer' });
  }
  message(ctx: Ctx, from: NodeId, message: Echo): void {
    this.delivered += 1;
    ctx.deliver({ id: `${message.text}@${ctx.id}`, origin: from, payload: message.text });
  }
  timer(ctx: Ctx, name: string): void {
    ctx.log(`fired ${name}`);
  }
  submit(ctx: Ctx, submission: Submission): void {
    const [command, name, delay] = submission.payload.split(':');
    if (command === 'persist-send' || command === 'throw') {
      ctx.persist({ id: submission.id });
      ctx.broadcast({ type: 'echo', text: submission.id });
      if (command === 'throw') throw new Error('a planted bug');
    } else if (command === 'timer') {
      ctx.setTimer(name, Number(delay));
    } else if (command === 'cancel') {
      ctx.cancelTimer(name);
    } else if (command === 'self') {
      ctx.send(ctx.id, { type: 'echo', text: 'to myself' });
    }
  }
  status() {
    return { role: 'peer' as const, delivered: this.delivered, details: { recovered: this.recovered } };
  }
}

const commands: ProtocolDefinition = {
  name: 'commands',
  seeds: [],
  summary: 'test-only',
  defaults: {},
  optionDocs: {},
  promises: {},
  create: () => new CommandNode(),
  isMessage: (value) => (value as Echo | null)?.type === 'echo',
};

/** Node 2 of the cluster, played by the test: collects the frames node 1 sends it and runs `onLine` on each. */
async function fakePeer(
  port: number,
  onLine: (line: string) => void = () => {},
): Promise<{ lines: string[]; server: Server }> {
  const lines: string[] = [];
  const server = createServer((socket) => {
    const splitter = new LineSplitter(1 << 20, false);
    socket.on('data', (chunk: Buffer) => {
      for (const line of splitter.push(chunk).lines) {
        lines.push(String(line));
        onLine(String(line));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port }, () => resolve()));
  return { lines, server };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(dataDir = temporaryDirectory(), onPeerLine?: (line: string) => void) {
  const ports = await freePorts(2);
  const addresses = loopbackAddresses(ports);
  const peer = await fakePeer(ports[1], onPeerLine);
  cleanups.push(() => new Promise<void>((resolve) => peer.server.close(() => resolve())));
  const node = new LiveNode({ id: 1, addresses, protocol: commands, dataDir, seed: 3 });
  const watched = watch(node);
  await node.start();
  cleanups.push(() => node.stop());
  return { node, watched, peer, dataDir, addresses };
}

function historyOf(dataDir: string, id: NodeId): HistoryEvent[] {
  const text = readFileSync(nodeFiles(dataDir, id).history, 'utf8');
  return parseHistoryJsonl(text.replace(/"format":"tob-lab-live-history\/1","node":\d+,/, '')).events;
}

describe('the live host', () => {
  it('has a record on disk before the message that depends on it reaches a peer', async () => {
    const dataDir = temporaryDirectory();
    const logSeenAtReceipt: string[] = [];
    const { node, peer } = await setup(dataDir, (line) => {
      if (line.includes('"echo"')) logSeenAtReceipt.push(readFileSync(nodeFiles(dataDir, 1).log, 'utf8'));
    });
    const outcome = node.submit('persist-send');
    expect(outcome).toEqual({ ok: true, id: '1-1-1' });
    await waitFor(() => logSeenAtReceipt.length === 1, 5_000, 'the echo at the fake peer');
    expect(logSeenAtReceipt[0]).toBe(encodeLogLine({ kind: 'record', value: { id: '1-1-1' } }) + '\n');
    expect(peer.lines[0]).toBe('{"hello":{"from":1}}');
    expect(JSON.parse(peer.lines[1])).toEqual({ from: 1, msg: { type: 'echo', text: '1-1-1' }, ref: '1:1:1' });
  });

  it('re-arms a timer by name, cancels one, and fires the rest', async () => {
    const { node, watched } = await setup();
    node.submit('timer:a:40');
    node.submit('timer:a:80'); // re-armed: fires once
    node.submit('timer:b:20');
    node.submit('cancel:b'); // never fires
    node.submit('timer:sentinel:150');
    await waitFor(() => watched.notes.includes('fired sentinel'), 5_000, 'the sentinel timer');
    expect(watched.notes.filter((note) => note.startsWith('fired'))).toEqual(['fired a', 'fired sentinel']);
  });

  it('handles a message to itself after the handler that sent it, with a ref', async () => {
    const { node, watched, dataDir } = await setup();
    node.submit('self');
    await waitFor(() => watched.deliveries.length === 1, 5_000, 'the self-delivery');
    expect(watched.deliveries[0]).toMatchObject({ origin: 1, payload: 'to myself' });
    const receive = historyOf(dataDir, 1).find((event) => event.type === 'receive');
    expect(receive).toMatchObject({ node: 1, from: 1, msg: '1:1:1' });
  });

  it('discards the effects of a throwing handler and rebuilds the node from its log', async () => {
    const { node, watched, peer, dataDir } = await setup();
    node.submit('persist-send');
    node.submit('throw');
    await waitFor(() => peer.lines.length >= 2, 5_000, 'the first echo');
    expect(
      watched.notes.some((note) => /protocol commands threw while handling submit: a planted bug/.test(note)),
    ).toBe(true);
    expect(node.running).toBe(true);
    expect(node.status()?.details).toEqual({ recovered: 1 });
    expect(readLog(nodeFiles(dataDir, 1).log)).toEqual([{ kind: 'record', value: { id: '1-1-1' } }]);
    node.submit('persist-send'); // still works; the thrown handler's echo never left
    await waitFor(() => peer.lines.length >= 3, 5_000, 'the second echo');
    expect(peer.lines.map((line) => (JSON.parse(line) as { msg?: Echo }).msg?.text ?? 'hello')).toEqual([
      'hello',
      '1-1-1',
      '1-1-3',
    ]);
    const types = historyOf(dataDir, 1).map((event) => event.type);
    expect(types.filter((type) => type === 'crash' || type === 'restart')).toEqual(['crash', 'restart']);
  });

  it('counts boots, so ids and refs stay unique across restarts, and records the restart', async () => {
    const first = await setup();
    first.node.submit('persist-send');
    await first.node.stop();
    const second = new LiveNode({ id: 1, addresses: first.addresses, protocol: commands, dataDir: first.dataDir });
    await second.start();
    cleanups.push(() => second.stop());
    expect(second.boot).toBe(2);
    expect(second.submit('persist-send')).toEqual({ ok: true, id: '1-2-1' });
    expect(second.status()?.details).toEqual({ recovered: 1 });
    // Handlers run on the next turn of the event loop (group commit), so the second send comes a moment later.
    const sends = () => historyOf(first.dataDir, 1).filter((event) => event.type === 'send');
    await waitFor(() => sends().length === 2, 5_000, 'the second send');
    const events = historyOf(first.dataDir, 1);
    const crash = events.findIndex((event) => event.type === 'crash');
    expect(events[crash + 1].type).toBe('restart');
    expect(events[crash - 1]).toMatchObject({ type: 'log', text: 'stopped cleanly' });
    expect(events[crash].t).toBe(events[crash - 1].t);
    expect(events.filter((event) => event.type === 'send').map((event) => (event as { msg: string }).msg)).toEqual([
      '1:1:1',
      '1:2:1',
    ]);
  });

  it('refuses an oversize submission with a reason, and submissions once stopped', async () => {
    const { node } = await setup();
    expect(node.submit('x'.repeat(5000))).toEqual({
      ok: false,
      problem: 'the message is 5000 bytes; at most 4096 bytes fit',
    });
    await node.stop();
    expect(node.submit('late')).toEqual({ ok: false, problem: 'node 1 is not running' });
  });

  it("will not run on another protocol's data, nor on an address in use", async () => {
    const { addresses, dataDir } = await setup();
    const other = new LiveNode({ id: 1, addresses, protocol: { ...commands, name: 'other' }, dataDir });
    await expect(other.start()).rejects.toThrow(LiveConfigError);
    const twin = new LiveNode({ id: 1, addresses, protocol: commands, dataDir: temporaryDirectory() });
    await expect(twin.start()).rejects.toThrow(ListenError);
    await expect(
      new LiveNode({ id: 1, addresses, protocol: commands, dataDir: temporaryDirectory() }).start(),
    ).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+: the address is in use/);
  });
});
