import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnlineCheckers } from '../src/check/online.ts';
import { HistoryFileWriter } from '../src/core/history-stream.ts';
import { isIndexedType, type HistoryEvent } from '../src/core/history.ts';
import { protocolByName } from '../src/protocols/index.ts';
import { formatCount, formatMiB } from './measure.ts';
import { cpuSinceMs, runBroadcastLoad } from './workload.ts';

/**
 * `npm run stream [-- --events N] [-- --nodes N] [-- --protocol NAME] [-- --out FILE] [-- --json]`: the
 * simulator's streaming mode on a long run. The history goes to a JSONL file as it is made and every event goes
 * to the online checkers (src/check/online.ts) as it is recorded; no event is kept in memory. At the end the
 * checkers give their verdicts, reading the few events they show as evidence back from the file. Prints events,
 * file size, peak RSS, the CPU time of the run and the time spent in the checkers. Not part of the test suite.
 */
export interface StreamResult {
  protocol: string;
  nodes: number;
  historyEvents: number;
  /** Events the simulator kept in memory (none: the checkers are fed online). */
  keptEvents: number;
  /** Distinct submission ids the checkers' ledger holds state for. */
  ledgerIds: number;
  fileBytes: number;
  peakRssBytes: number;
  /** CPU time of the whole run: simulation, JSONL writing and the online checkers. */
  simCpuMs: number;
  /** Time inside the online checkers as events came (timed around each call they read), in ms. */
  onlineCheckMs: number;
  /** CPU time of the verdicts at the end. */
  checkCpuMs: number;
  verdicts: Array<{ checker: string; status: string; summary: string }>;
}

interface StreamFlags {
  events: number;
  nodes: number;
  protocol: string;
  out: string | null;
  json: boolean;
}

const USAGE =
  'npm run stream [-- --events N (default 10000000)] [-- --nodes N (default 5)] [-- --protocol NAME (default ' +
  'sequencer)] [-- --out FILE (default: a temporary file, removed at the end)] [-- --json]\n';

function parseFlags(args: readonly string[]): StreamFlags {
  const flags: StreamFlags = { events: 10_000_000, nodes: 5, protocol: 'sequencer', out: null, json: false };
  const count = (flag: string, text: string | undefined): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`${flag} takes a whole number >= 1, got "${text ?? ''}"`);
    return value;
  };
  for (let index = 0; index < args.length; index += 1) {
    const [flag, value] = [args[index], args[index + 1]];
    if (flag === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else if (flag === '--json') flags.json = true;
    else if (flag === '--events') flags.events = count(flag, value);
    else if (flag === '--nodes') flags.nodes = count(flag, value);
    else if (flag === '--protocol') flags.protocol = value ?? '';
    else if (flag === '--out') flags.out = value ?? '';
    else throw new Error(`unknown flag "${flag}"; usage: ${USAGE}`);
    if (flag !== '--json') index += 1;
  }
  if (protocolByName(flags.protocol) === undefined) throw new Error(`unknown protocol "${flags.protocol}"`);
  if (flags.out === '') throw new Error('--out takes a file name');
  return flags;
}

/** One streamed run of `events` history events: the sequencer's section-1 load, stopped at the event count. */
export function streamRun(flags: Omit<StreamFlags, 'json'>): StreamResult {
  const protocol = protocolByName(flags.protocol);
  if (protocol === undefined) throw new Error(`unknown protocol "${flags.protocol}"`);
  const directory = flags.out === null ? mkdtempSync(join(tmpdir(), 'tob-lab-stream-')) : null;
  const file = flags.out ?? join(directory ?? '.', 'history.jsonl');
  try {
    const nodes = Array.from({ length: flags.nodes }, (_, index) => index + 1);
    const writer = new HistoryFileWriter(file, nodes);
    const online = new OnlineCheckers(nodes);
    let onlineNs = 0n;
    const stream = (event: HistoryEvent): void => {
      writer.write(event);
      if (!isIndexedType(event.type)) {
        online.observe(event);
        return;
      }
      const startNs = process.hrtime.bigint();
      online.observe(event);
      onlineNs += process.hrtime.bigint() - startNs;
    };
    const run = runBroadcastLoad({
      protocol,
      nodes: flags.nodes,
      network: {},
      submissionsPerSecond: 200,
      durationMs: Number.MAX_SAFE_INTEGER / 4,
      drainMs: 0,
      seed: 7,
      maxEvents: Number.MAX_SAFE_INTEGER,
      stream,
      streamOnly: true,
      stopWhen: () => writer.events >= flags.events,
    });
    run.sim.finish();
    writer.close();
    const checkStart = process.cpuUsage();
    const verdicts = online
      .verdicts((i) => writer.eventAt(i))
      .map((verdict) => ({
        checker: verdict.checker,
        status: verdict.status,
        summary: verdict.summary,
      }));
    return {
      protocol: protocol.name,
      nodes: flags.nodes,
      historyEvents: writer.events,
      keptEvents: run.sim.history.events.length,
      ledgerIds: online.ledger.ids.length,
      fileBytes: statSync(file).size,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      simCpuMs: run.cpuMs,
      onlineCheckMs: Number(onlineNs) / 1e6,
      checkCpuMs: cpuSinceMs(checkStart),
      verdicts,
    };
  } finally {
    if (directory !== null) rmSync(directory, { recursive: true, force: true });
  }
}

function main(): void {
  let flags: StreamFlags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    // 64, as for every other usage error of ours (the CLI and the scripts alike).
    process.exit(64);
  }
  const result = streamRun(flags);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  process.stdout.write(
    `${result.protocol}, ${result.nodes} nodes: ${formatCount(result.historyEvents)} history events streamed ` +
      `(${formatMiB(result.fileBytes)} of JSONL), ${formatCount(result.keptEvents)} kept in memory; the online ` +
      `checkers hold state for ${formatCount(result.ledgerIds)} submission ids\n` +
      `peak RSS ${formatMiB(result.peakRssBytes)}; run ${(result.simCpuMs / 1000).toFixed(1)} s CPU (simulation, ` +
      `JSONL and online checkers), of it ${(result.onlineCheckMs / 1000).toFixed(1)} s in the online checkers; ` +
      `verdicts at the end ${(result.checkCpuMs / 1000).toFixed(2)} s CPU\n` +
      result.verdicts.map((verdict) => `  ${verdict.checker}: ${verdict.status} (${verdict.summary})`).join('\n') +
      '\n',
  );
}

if (process.argv[1]?.endsWith('stream.ts') === true) main();
