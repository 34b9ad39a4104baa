import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../core/json.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { PROTOCOLS } from '../../protocols/index.ts';
import { formatPromiseTable } from '../../report/promises.ts';
import { loadScenario, protocolFromFlag, resolveProtocol, SHIPPED_SCENARIOS_DIR } from '../../scenarios/index.ts';
import type { CommandIo } from '../io.ts';

/** The work of `tob-lab list`, loaded only when the command runs (so `--help` starts fast). */
export async function listAction(
  io: CommandIo,
  flags: { tables: boolean; options: boolean; protocol?: string },
): Promise<void> {
  const protocols =
    flags.protocol === undefined
      ? PROTOCOLS
      : [resolveProtocol((await protocolFromFlag(flags.protocol, io.cwd)) ?? flags.protocol)];
  io.write(
    `Protocols${flags.options ? " (options: name, default, meaning; set them in a scenario's cluster.options or with --options)" : ''}\n`,
  );
  for (const protocol of protocols) {
    // A user's protocol has no seed project; a shipped one built from the literature (raft) has none either.
    const seeds =
      protocol.seeds === undefined
        ? 'yours'.padEnd(14)
        : protocol.seeds.length === 0
          ? 'reference'.padEnd(14)
          : `seed ${protocol.seeds.join(', ').padEnd(9)}`;
    io.write(`  ${protocol.name.padEnd(18)} ${seeds} ${protocol.summary ?? ''}\n`);
    if (flags.options) io.write(formatOptions(protocol));
  }
  if (flags.tables)
    io.write(
      `\nPromise tables (P = promised, x = known to break, . = not promised)\n${formatPromiseTable(protocols)}\n`,
    );
  if (flags.protocol !== undefined) return;
  io.write('\nScenarios (tob-lab run <name> --seed N)\n');
  const files = readdirSync(SHIPPED_SCENARIOS_DIR)
    .filter((file) => file.endsWith('.ts'))
    .sort();
  for (const file of files) {
    const { scenario } = await loadScenario(join(SHIPPED_SCENARIOS_DIR, file), io.cwd);
    const protocol =
      typeof scenario.cluster.protocol === 'string' ? scenario.cluster.protocol : scenario.cluster.protocol.name;
    io.write(`  ${scenario.name.padEnd(24)} ${protocol.padEnd(15)} ${scenario.description ?? scenario.source ?? ''}\n`);
  }
}

/** Each option as `name = default` (in its unit, read from the name: ...Ms is milliseconds) and what it means. */
export function formatOptions(protocol: ProtocolDefinition): string {
  const defaults = protocol.defaults ?? {};
  const docs: Record<string, string | undefined> = protocol.optionDocs ?? {};
  const names = Object.keys(defaults);
  if (names.length === 0) return '      (no options)\n';
  const settings = names.map((name) => `${name} = ${withUnit(name, defaults[name])}`);
  const width = Math.max(...settings.map((setting) => setting.length));
  return names.map((name, index) => `      ${settings[index].padEnd(width)}  ${docs[name] ?? ''}\n`).join('');
}

function withUnit(name: string, value: Json): string {
  if (typeof value === 'number' && name.endsWith('Ms')) return `${value} ms`;
  if (typeof value === 'number' && name.endsWith('Ppm')) return `${value} ppm`;
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}
