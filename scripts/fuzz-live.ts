// The long live fuzz (`npm run fuzz:live`, not part of the default suite): a 3-node sequencer cluster of real
// processes on 127.0.0.1 takes --frames bad, odd and forged frames (random bytes, broken JSON, oversize and deep
// lines, wrong senders, and the well-formed lies of issue 13: extra keys, terms past the bound, oversize payloads,
// prototype keys) over many short connections, while real messages are submitted at every node. It passes when
// every real message is delivered by every node in one order and no process was lost. Exit 0 pass, 1 fail, 64 usage.
import { rmSync } from 'node:fs';
import {
  FAST_SEQUENCER_OPTIONS,
  ChildNode,
  freePorts,
  peersFlag,
  temporaryDirectory,
  waitFor,
} from '../test/support/live.ts';
import { randomInt, randomStream, pick, type RandomStream } from '../src/core/rng.ts';
import { encodeHello } from '../src/live/frames.ts';
import { FRAME_BYTES_MAX_DEFAULT } from '../src/live/config.ts';
import { frameGenerators } from '../test/support/forgeries.ts';
import { dialLines } from '../test/support/wire.ts';

const USAGE = `usage: npm run fuzz:live -- [--frames N] [--real N] [--seed S] [--concurrency C]
  --frames N       bad or forged frames to send in all (default 100000)
  --real N         real messages submitted, spread over the nodes (default 300)
  --seed S         seeds the frames chosen (default 1)
  --concurrency C  connections open at once (default 16)
`;

function parseFlags(argv: readonly string[]): { frames: number; real: number; seed: number; concurrency: number } {
  const values: Record<string, number> = { frames: 100_000, real: 300, seed: 1, concurrency: 16 };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const name = arg.startsWith('--') ? arg.slice(2) : '';
    if (!(name in values)) {
      process.stderr.write(`fuzz:live: unknown flag "${arg}"\n${USAGE}`);
      process.exit(64);
    }
    const value = Number(argv[index + 1]);
    if (!Number.isSafeInteger(value) || value < (name === 'seed' ? 0 : 1)) {
      process.stderr.write(
        `fuzz:live: ${arg} needs a whole number${name === 'seed' ? '' : ' >= 1'}, got "${argv[index + 1] ?? ''}"\n`,
      );
      process.exit(64);
    }
    values[name] = value;
    index += 1;
  }
  return values as { frames: number; real: number; seed: number; concurrency: number };
}

const FRAMES_PER_CONNECTION = 20;
const WAIT_MS = 120_000;

/** One attacking connection's lines: usually a hello as some peer first, then a random mix. */
function connectionLines(
  random: RandomStream,
  generators: ReturnType<typeof frameGenerators>,
  count: number,
): string[] {
  const names = Object.keys(generators);
  const lines: string[] = [];
  if (random.next() < 0.8) lines.push(encodeHello(1, null));
  while (lines.length < count) lines.push(generators[pick(random, names)](random));
  return lines;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const ports = await freePorts(3);
  const dataDir = temporaryDirectory('tob-lab-fuzz-live-');
  const options = JSON.stringify({ ...FAST_SEQUENCER_OPTIONS, dedupSubmissions: true });
  const nodes = ports.map(
    (_, index) =>
      new ChildNode([
        '--id',
        String(index + 1),
        '--peers',
        peersFlag(ports),
        '--data',
        dataDir,
        '--options',
        options,
        '--seed',
        '7',
      ]),
  );
  try {
    await waitFor(() => nodes.every((node) => node.linesOf('ready').length === 1), WAIT_MS, 'every node to be ready');
    await waitFor(() => nodes.every((node) => node.linesOf('announce').length > 0), WAIT_MS, 'a leader');
    const random = randomStream(flags.seed, 'fuzz-live');
    const generators = frameGenerators(FRAME_BYTES_MAX_DEFAULT);
    const startedMs = Date.now();
    let sent = 0;
    let submitted = 0;
    // Real messages go out during the attack, spread evenly over its batches of connections.
    const batches = Math.ceil(flags.frames / (FRAMES_PER_CONNECTION * flags.concurrency));
    const realPerBatch = Math.ceil(flags.real / batches);
    for (let batch = 0; sent < flags.frames; batch += 1) {
      const plans: Array<{ port: number; lines: string[] }> = [];
      for (let slot = 0; slot < flags.concurrency && sent < flags.frames; slot += 1) {
        const count = Math.min(FRAMES_PER_CONNECTION, flags.frames - sent);
        plans.push({ port: pick(random, ports), lines: connectionLines(random, generators, count) });
        sent += count;
      }
      for (let count = 0; count < realPerBatch && submitted < flags.real; count += 1) {
        nodes[randomInt(random, 0, 2)].submit(`real ${submitted}`);
        submitted += 1;
      }
      await Promise.all(plans.map((plan) => dialLines(plan.port, plan.lines, 3_000, true)));
      if (nodes.some((node) => !node.running)) break;
      if (batch % 200 === 0)
        process.stderr.write(`fuzz:live: ${sent} frames sent, ${submitted} real messages submitted\n`);
    }
    while (submitted < flags.real) nodes[submitted % 3].submit(`real ${submitted++}`);
    const lost = nodes.filter((node) => !node.running).map((_, index) => index + 1);
    if (lost.length > 0) {
      process.stdout.write(`FAIL: node process(es) ${lost.join(', ')} exited during the attack\n`);
      return 1;
    }
    const realIds = (node: ChildNode) =>
      node
        .linesOf('deliver')
        .filter((line) => String(line.payload).startsWith('real '))
        .map((line) => String(line.id));
    await waitFor(
      () => nodes.every((node) => realIds(node).length >= flags.real),
      WAIT_MS,
      `${flags.real} real deliveries at every node`,
    );
    const orders = nodes.map(realIds);
    const same = orders.every((order) => JSON.stringify(order) === JSON.stringify(orders[0]));
    const once = new Set(orders[0]).size === orders[0].length && orders[0].length === flags.real;
    const seconds = ((Date.now() - startedMs) / 1000).toFixed(1);
    process.stdout.write(
      `fuzz:live: ${sent} bad or forged frames over ${Math.ceil(sent / FRAMES_PER_CONNECTION)} connections in ${seconds} s; ` +
        `${flags.real} real messages: ${same && once ? 'every node delivered each once, in one order' : 'ORDERS DIFFER or duplicates'}; ` +
        `all 3 processes alive\n`,
    );
    return same && once ? 0 : 1;
  } finally {
    for (const node of nodes) if (node.running) await node.end(10_000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
