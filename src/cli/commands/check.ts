import { Command } from 'commander';
import type { ActionArguments, CommandIo } from '../io.ts';
import { FAULT_CLASSES } from '../../core/promises.ts';
import { ORDER_STRATEGIES } from '../../search/strategies.ts';

export function checkCommand(io: CommandIo): Command {
  return new Command('check')
    .description('search generated fault schedules for a violation, shrink it, save it as a replayable scenario')
    .requiredOption(
      '--protocol <name|file>',
      'a shipped protocol (tob-lab list shows them), "all", or ./my-protocol.ts (a module exporting a ProtocolDefinition)',
    )
    .option('--options <json>', 'protocol options as a JSON object, e.g. \'{"heartbeatIntervalMs":500}\'')
    .option(
      '--swarm',
      'swarm testing: each case draws its own subset of the fault classes, their weights and its fault count',
    )
    .option(
      '--churn',
      'leader churn: each case waits for every new leader and strikes it (cut off, crashed, torn, stalled) as it is elected',
    )
    .option(
      '--faults <list>',
      `fault classes to draw from, comma-separated (${FAULT_CLASSES.join(', ')})`,
      'crash,partition',
    )
    .option('--runs <n>', 'generated scenarios to try at most', '200')
    .option('--seed <n>', 'search seed (default: a fresh one, printed so the search can be repeated)')
    .option('--nodes <k>', 'cluster size', '3')
    .option(
      '--properties <list>',
      'checkers to judge, comma-separated, or "all" (default: what the protocol promises fault-free)',
    )
    .option(
      '--out <dir>',
      `where counterexample scenarios and their reports are written (default: reports; with --json only when given)`,
    )
    .option('--workers <n>', 'worker threads to spread the cases over', '1')
    .option(
      '--stall-seconds <n>',
      'stop a case whose thread sends nothing this long (a handler that never returns) and fail with exit 1',
      '60',
    )
    .option('--shard <i/n>', 'run only the i-th of n slices of the case range (for CI matrices and batch systems)')
    .option('--json', 'print one JSON result per protocol (case seeds included, so shards merge)')
    .option(
      '--strategy <name>',
      `who orders events in each case: ${ORDER_STRATEGIES.join(', ')} (see tob-lab explore)`,
      'latency',
    )
    .option('--strict', 'any violation fails (exit 1 or 2), even one the promise table lists as a known weakness')
    .option('--junit <file>', 'also write the results as JUnit XML (one test case per protocol), for CI dashboards')
    .addHelpText(
      'after',
      '\nExit codes: 0 no violation, or only known weaknesses (the promise table says the property breaks under these\n' +
        'faults); 1 a broken promise or a safety violation the table does not account for; 2 the same for liveness;\n' +
        '64 usage error. With --strict every violation counts (1 safety, 2 liveness). A case that stalls (a handler\n' +
        'that never returns: see --stall-seconds) is a broken promise too: exit 1.',
    )
    .action(async (...args: unknown[]) => {
      const { checkAction } = await import('./check-action.ts');
      await checkAction(io, ...(args as ActionArguments<typeof checkAction>));
    });
}
