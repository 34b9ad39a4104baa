import { Command } from 'commander';
import type { ActionArguments, CommandIo } from '../io.ts';

export function listCommand(io: CommandIo): Command {
  return new Command('list')
    .description('list the shipped protocols (with their promise tables) and scenarios')
    .option('--no-tables', 'leave out the promise tables')
    .option('--no-options', "leave out each protocol's options")
    .option('--protocol <name|file>', 'only this protocol: a shipped name or ./my-protocol.ts')
    .action(async (...args: unknown[]) => {
      const { listAction } = await import('./list-action.ts');
      await listAction(io, ...(args as ActionArguments<typeof listAction>));
    });
}
