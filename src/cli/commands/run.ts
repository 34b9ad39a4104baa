import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { historyToJsonl } from '../../core/history.ts';
import { formatRun, runSummaryJson } from '../../report/text.ts';
import { loadScenario, runScenario, scenarioRun, type RunResult } from '../../scenarios/index.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface RunFlags {
  seed: string;
  trace?: string;
  json?: boolean;
  protocol?: string;
  plain?: boolean;
  speed: string;
}

/** Frames per real second the live view aims at; each frame advances speed / FRAMES_PER_SECOND virtual seconds. */
const FRAMES_PER_SECOND = 20;

function frameChunkMs(speed: number): number {
  return speed === 0 ? 1_000 : Math.max(10, (speed * 1_000) / FRAMES_PER_SECOND);
}

export function runCommand(io: CommandIo): Command {
  return new Command('run')
    .description('run a scenario on the simulator and judge it: timeline, deliveries, checker verdicts')
    .argument('<scenario>', 'a scenario file (.ts), or the name of a shipped scenario such as leader-failure')
    .option('--seed <n>', 'the seed that determines the whole run', '1')
    .option('--trace <file>', 'write the full history as JSONL to this file')
    .option('--json', 'print a JSON summary instead of the text report')
    .option('--protocol <name>', "run the scenario's timeline on another protocol")
    .option('--plain', 'plain text output even on a terminal (no live view)')
    .option('--speed <x>', 'live view only: virtual seconds shown per real second (0: as fast as it runs)', '10')
    .addHelpText(
      'after',
      '\nOn a terminal the run is drawn live (lanes per node, faults, verdicts); with --plain, --json or when the\n' +
        'output is not a terminal, the plain text report is printed.\n' +
        'Exit codes: 0 expectations hold, 1 safety violation, 2 liveness violation, 64 usage error.\n' +
        'Example: tob-lab run scenarios/leader-failure.ts --seed 42 --trace leader.jsonl',
    )
    .action(async (scenarioArg: string, flags: RunFlags) => {
      const seed = parseSeed(flags.seed);
      const speed = Number(flags.speed);
      if (!(speed >= 0)) throw new UsageError(`--speed must be a number >= 0, got "${flags.speed}"`);
      const { scenario } = await loadScenario(scenarioArg, io.cwd);
      const options = { seed, protocol: flags.protocol };
      const live = io.interactive === true && flags.plain !== true && flags.json !== true;
      const result = live
        ? await runLive(scenarioArg, scenario.name, scenarioRun(scenario, options, frameChunkMs(speed)), speed)
        : runScenario(scenario, options);
      if (flags.trace !== undefined) writeTrace(flags.trace, result);
      if (flags.json) io.write(JSON.stringify(runSummaryJson(result), null, 2) + '\n');
      else if (!live) io.write(formatRun(result, { scenarioArg }) + '\n');
      io.setExitCode(result.exitCode);
    });
}

/** The ink view, loaded only here, so the plain path never pulls in ink or react. */
async function runLive(scenarioArg: string, name: string, run: ReturnType<typeof scenarioRun>, speed: number): Promise<RunResult> {
  const { animateRun } = await import('../ui/animate-run.tsx');
  return animateRun({
    title: `tob-lab run ${name}`,
    run,
    chunkMs: frameChunkMs(speed),
    speed,
    footer: (result) => [
      `history: ${result.history.events.length} events, sha256 ${result.hash}`,
      `replay:  npx tob-lab run ${scenarioArg} --seed ${result.seed} --plain   (the full timeline)`,
    ],
  });
}

function writeTrace(file: string, result: RunResult): void {
  try {
    writeFileSync(file, historyToJsonl(result.history));
  } catch (error) {
    throw new UsageError(`cannot write the trace to ${file}: ${(error as Error).message}`);
  }
}
