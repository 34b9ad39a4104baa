import { Command } from 'commander';
import { DATA_DIR_DEFAULT, FRAME_BYTES_MAX_DEFAULT } from '../../live/limits.ts';
import type { ActionArguments, CommandIo } from '../io.ts';

export function liveCommand(io: CommandIo): Command {
  return new Command('live')
    .description('run one node of a cluster over TCP: a chat screen on a terminal, JSON lines with --headless')
    .option('--id <n>', "this node's id (one of the ids in --peers)")
    .option('--peers <list>', 'every node and its address: 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003')
    .option('--config <file>', 'a cluster file {protocol, peers: {"1": "127.0.0.1:7001", ...}, options?, secret?}')
    .option(
      '--protocol <name|file>',
      "the protocol to run: a shipped name or ./my-protocol.ts (default: sequencer, or the cluster file's)",
    )
    .option('--data <dir>', `where the node keeps its log and history (default: ./${DATA_DIR_DEFAULT})`)
    .option('--options <json>', 'protocol options as a JSON object, e.g. \'{"heartbeatIntervalMs":500}\'')
    .option('--secret <s>', 'shared secret: every frame carries an HMAC-SHA256 (or set TOB_LAB_SECRET)')
    .option('--seed <n>', "seeds the node's random stream (default: derived from the id)")
    .option('--max-frame-bytes <n>', `largest frame accepted or sent (default ${FRAME_BYTES_MAX_DEFAULT})`)
    .option(
      '--allow-insecure',
      'listen on a non-loopback address without a secret (anyone who reaches it can speak for any peer)',
    )
    .option('--no-sync', 'do not fdatasync the log (measurements only: a machine crash may lose acknowledged messages)')
    .option('--headless', 'no screen: submissions are stdin lines, events are JSON lines on stdout')
    .addHelpText(
      'after',
      '\nHeadless: every stdin line is a message (/quit exits, /status and /peers print JSON); stdout carries\n' +
        '{"type":"ready"|"submitted"|"deliver"|"announce",...} lines; log lines go to stderr.\n' +
        'Exit codes: 0 a clean stop, 64 a usage error (a bad flag, an option out of range), 70 the protocol kept\n' +
        'throwing, 74 a storage error (a full disk, a read-only or refused directory, a damaged log).\n' +
        'Example: tob-lab live --id 1 --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003',
    )
    .action(async (...args: unknown[]) => {
      const { liveAction } = await import('./live-action.ts');
      await liveAction(io, ...(args as ActionArguments<typeof liveAction>));
    });
}
