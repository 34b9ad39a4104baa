import { Command, CommanderError } from 'commander';
import { checkCommand } from './commands/check.ts';
import { clusterCommand } from './commands/cluster.ts';
import { exploreCommand } from './commands/explore.ts';
import { listCommand } from './commands/list.ts';
import { liveCommand } from './commands/live.ts';
import { runCommand } from './commands/run.ts';
import { EXIT_USAGE, reportError } from './errors.ts';
import type { CommandIo } from './io.ts';

/** Assembles the program; each command lives in its own file under commands/. */
export function buildProgram(io: CommandIo): Command {
  const program = new Command('tob-lab')
    .description(
      'A deterministic lab for broadcast and ordering protocols: seeded simulation with faults, ' +
        'order-aware checkers, and the documented demos of five source projects.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.write, writeErr: io.writeError });
  for (const command of [
    runCommand(io),
    checkCommand(io),
    exploreCommand(io),
    listCommand(io),
    liveCommand(io),
    clusterCommand(io),
  ]) {
    program.addCommand(command.exitOverride().configureOutput({ writeOut: io.write, writeErr: io.writeError }));
  }
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({ ...io, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help text).
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
      return benign ? 0 : EXIT_USAGE;
    }
    return reportError(error, io.writeError);
  }
}
