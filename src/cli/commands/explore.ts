import { Command } from 'commander';
import { DEFAULT_DEPTH_MAX, DEFAULT_STATES_MAX } from '../../explore/limits.ts';
import { EXPLORE_FAULTS } from '../../explore/scenario.ts';
import type { ActionArguments, CommandIo } from '../io.ts';

/** The exploration strategies, as exploreAction checks them. */
const STRATEGIES = ['bfs', 'dfs', 'pct', 'drawn'] as const;

export function exploreCommand(io: CommandIo): Command {
  return new Command('explore')
    .description(
      'search the orders of events themselves: every interleaving up to a bound (bfs, dfs), or PCT / drawn orders',
    )
    .requiredOption('--protocol <name|file>', 'a shipped protocol (tob-lab list shows them) or ./my-protocol.ts')
    .option('--nodes <k>', 'cluster size', '3')
    .option('--submits <n>', 'submissions m1, m2, ... at nodes 1, 2, ... in turn', '2')
    .option('--submit-at <nodes>', 'the nodes that submit, in turn, comma-separated (default: every node)')
    .option('--delivery-bound <ms>', 'messages arrive within this many ms of virtual time (default: no bound)')
    .option(
      '--faults <list>',
      `faults placed among the events, comma-separated: ${EXPLORE_FAULTS.join(', ')}, or none`,
      'none',
    )
    .option('--depth <n>', `events fired at most along any path (default ${DEFAULT_DEPTH_MAX})`)
    .option('--max-states <n>', `re-executions at most (default ${DEFAULT_STATES_MAX})`)
    .option('--strategy <name>', `${STRATEGIES.join(', ')}`, 'bfs')
    .option('--runs <n>', 'pct and drawn: runs at most', '1000')
    .option('--seed <n>', 'the run seed (nodes’ own random streams; pct and drawn: also the search seed)', '1')
    .option(
      '--properties <list>',
      'safety checkers to judge, comma-separated (default: the safety properties the protocol promises under these faults)',
    )
    .option('--out <dir>', 'where the counterexample scenario is written', 'reports')
    .option('--json', 'print the counts and the counterexample as one JSON object')
    .addHelpText(
      'after',
      [
        '',
        'Every submission and fault is an event placed by the search; messages take no time and arrive in any order',
        '(FIFO per link); timers fire in time order. bfs returns a shortest counterexample; dfs deepens 1, 2, ... up',
        'to --depth. States are merged by fingerprint; independent events at different nodes are not reordered',
        '(sleep sets). The same command gives the same counts and the same counterexample on every run.',
        '',
        'Exit codes: 0 no violation within the bound, 1 safety violation, 64 usage error.',
      ].join('\n'),
    )
    .action(async (...args: unknown[]) => {
      const { exploreAction } = await import('./explore-action.ts');
      await exploreAction(io, ...(args as ActionArguments<typeof exploreAction>));
    });
}
