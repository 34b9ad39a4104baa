import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { historyToJsonl } from '../../core/history.ts';
import { formatRun, runSummaryJson } from '../../report/text.ts';
import { loadScenario, runScenario } from '../../scenarios/index.ts';
import { parseSeed, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface RunFlags {
  seed: string;
  trace?: string;
  json?: boolean;
  protocol?: string;
}

export function runCommand(io: CommandIo): Command {
  return new Command('run')
    .description('run a scenario on the simulator and judge it: timeline, deliveries, checker verdicts')
    .argument('<scenario>', 'a scenario file (.ts), or the name of a shipped scenario such as leader-failure')
    .option('--seed <n>', 'the seed that determines the whole run', '1')
    .option('--trace <file>', 'write the full history as JSONL to this file')
    .option('--json', 'print a JSON summary instead of the text report')
    .option('--protocol <name>', "run the scenario's timeline on another protocol")
    .addHelpText(
      'after',
      '\nExit codes: 0 expectations hold, 1 safety violation, 2 liveness violation, 64 usage error.\n' +
        'Example: tob-lab run scenarios/leader-failure.ts --seed 42 --trace leader.jsonl',
    )
    .action(async (scenarioArg: string, flags: RunFlags) => {
      const seed = parseSeed(flags.seed);
      const { scenario } = await loadScenario(scenarioArg, io.cwd);
      const result = runScenario(scenario, { seed, protocol: flags.protocol });
      if (flags.trace !== undefined) {
        try {
          writeFileSync(flags.trace, historyToJsonl(result.history));
        } catch (error) {
          throw new UsageError(`cannot write the trace to ${flags.trace}: ${(error as Error).message}`);
        }
      }
      if (flags.json) io.write(JSON.stringify(runSummaryJson(result), null, 2) + '\n');
      else io.write(formatRun(result, { scenarioArg }) + '\n');
      io.setExitCode(result.exitCode);
    });
}
