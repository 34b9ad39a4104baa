import { Command } from 'commander';
import type { ActionArguments, CommandIo } from '../io.ts';
import { CLUSTER_NODES_MAX, SPEED_MAX } from '../../cluster/limits.ts';

export function clusterCommand(io: CommandIo): Command {
  return new Command('cluster')
    .description(
      'launch a live cluster on 127.0.0.1 (one process per node, a fault proxy per link), drive a scenario in real time, judge it',
    )
    .option(
      '--nodes <n>',
      `nodes of the built-in demo (default 3); with --scenario, must match it (at most ${CLUSTER_NODES_MAX})`,
    )
    .option(
      '--protocol <name|file>',
      "the protocol: a shipped name or ./my-protocol.ts (default: the scenario's, or sequencer for the demo)",
    )
    .option(
      '--options <json>',
      "protocol options as a JSON object, over the scenario's own, e.g. '{\"heartbeatIntervalMs\":500}'",
    )
    .option('--scenario <file>', 'a scenario file or shipped scenario name (default: a short fault-free demo)')
    .option(
      '--data <dir>',
      "an empty or new directory for the nodes' logs and histories (default: a fresh temporary one)",
    )
    .option(
      '--report <dir>',
      'also write the run report there: report.md, report.html, trace.jsonl, shiviz.log, trace.chrome.json, report.txt, summary.json',
    )
    .option(
      '--secret <s>',
      'shared secret: every frame between nodes carries an HMAC (8 bytes or more; or set TOB_LAB_SECRET, kept out of `ps`)',
    )
    .option(
      '--speed <x>',
      `run the scenario timeline this many times faster (0 < x <= ${SPEED_MAX}; protocol timers stay real)`,
      '1',
    )
    .option('--seed <n>', "seeds the nodes' random streams", '1')
    .option('--cut-style <style>', 'partitions and cuts: "drop" swallows frames, "refuse" closes the link', 'drop')
    .option(
      '--down-links <what>',
      'frames sent to a crashed or not yet joined node: "drop" (lost, as with a dead process; the simulator does the same) or "queue" (the proxy keeps them for the node\'s next run, as a stalled link would)',
      'drop',
    )
    .option('--liveness-ms <ms>', "bound on the liveness phase in real ms (default: the scenario's, else 30000)")
    .option('--time-limit-ms <ms>', 'bound on the whole run in real ms; past it everything is stopped', '600000')
    .option('--json', 'print a JSON summary instead of the text report')
    .addHelpText(
      'after',
      '\nExit codes: 0 expectations hold, 1 safety violation, 2 liveness violation, 64 usage error,\n' +
        '70 the cluster could not run (a node never became ready, or the time limit passed), 130 interrupted.\n' +
        'Example: tob-lab cluster --scenario leader-failure --speed 1.25 --report reports/live',
    )
    .action(async (...args: unknown[]) => {
      const { clusterAction } = await import('./cluster-action.ts');
      await clusterAction(io, ...(args as ActionArguments<typeof clusterAction>));
    });
}
