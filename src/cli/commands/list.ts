import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { PROTOCOLS } from '../../protocols/index.ts';
import { formatPromiseTable } from '../../report/promises.ts';
import { loadScenario, SHIPPED_SCENARIOS_DIR } from '../../scenarios/index.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import type { CommandIo } from '../io.ts';

/** One line per option: `name = default  what it means`, as `--options` on run, live and cluster take them. */
function formatOptions(protocol: ProtocolDefinition): string {
  const entries = Object.entries(protocol.defaults);
  const width = Math.max(0, ...entries.map(([name, value]) => `${name} = ${JSON.stringify(value)}`.length));
  return entries
    .map(([name, value]) => `      ${`${name} = ${JSON.stringify(value)}`.padEnd(width)}  ${protocol.optionDocs[name] ?? ''}\n`)
    .join('');
}

export function listCommand(io: CommandIo): Command {
  return new Command('list')
    .description('list the shipped protocols (with their promise tables) and scenarios')
    .option('--no-tables', 'leave out the promise tables')
    .option('--no-options', "leave out the protocols' options (name = default, and what it means)")
    .action(async (flags: { tables: boolean; options: boolean }) => {
      io.write('Protocols\n');
      for (const protocol of PROTOCOLS) {
        const origin = protocol.seeds.length === 0 ? 'reference' : `seed ${protocol.seeds.join(', ')}`;
        io.write(`  ${protocol.name.padEnd(18)} ${origin.padEnd(14)} ${protocol.summary}\n`);
        if (flags.options) io.write(formatOptions(protocol));
      }
      if (flags.tables) io.write(`\nPromise tables (P = promised, x = known to break, . = not promised)\n${formatPromiseTable(PROTOCOLS)}\n`);
      io.write('\nScenarios (tob-lab run <name> --seed N)\n');
      const files = readdirSync(SHIPPED_SCENARIOS_DIR).filter((file) => file.endsWith('.ts')).sort();
      for (const file of files) {
        const { scenario } = await loadScenario(join(SHIPPED_SCENARIOS_DIR, file), io.cwd);
        const protocol = typeof scenario.cluster.protocol === 'string' ? scenario.cluster.protocol : scenario.cluster.protocol.name;
        io.write(`  ${scenario.name.padEnd(24)} ${protocol.padEnd(15)} ${scenario.description ?? scenario.source ?? ''}\n`);
      }
    });
}
