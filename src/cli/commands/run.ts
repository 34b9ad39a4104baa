import { Command } from 'commander';
import type { ActionArguments, CommandIo } from '../io.ts';

export function runCommand(io: CommandIo): Command {
  return new Command('run')
    .description('run a scenario on the simulator and judge it: timeline, deliveries, checker verdicts')
    .argument('<scenario>', 'a scenario file (.ts), or the name of a shipped scenario such as leader-failure')
    .option('--seed <n>', 'the seed that determines the whole run', '1')
    .option('--trace <file>', 'write the full history as JSONL to this file')
    .option('--json', 'print a JSON summary instead of the text report')
    .option(
      '--protocol <name|file>',
      "run the scenario's timeline on another protocol: a shipped name, or ./my-protocol.ts (a module exporting a ProtocolDefinition)",
    )
    .option('--plain', 'plain text output even on a terminal (no live view)')
    .option('--speed <x>', 'live view only: virtual seconds shown per real second (0: as fast as it runs)', '10')
    .option(
      '--report [dir]',
      'write report.md, report.html (space-time diagram) and exports to dir (default: reports/<scenario>-seed<N>)',
    )
    .addHelpText(
      'after',
      '\nOn a terminal the run is drawn live (lanes per node, faults, verdicts); with --plain, --json or when the\n' +
        'output is not a terminal, the plain text report is printed.\n' +
        'Exit codes: 0 expectations hold, 1 safety violation, 2 liveness violation, 64 usage error.\n' +
        'Example: tob-lab run scenarios/leader-failure.ts --seed 42 --trace leader.jsonl',
    )
    .action(async (...args: unknown[]) => {
      const { runAction } = await import('./run-action.ts');
      await runAction(io, ...(args as ActionArguments<typeof runAction>));
    });
}
