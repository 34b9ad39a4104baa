// Runs one scenario's timeline on several protocols and prints one table: which checker each passes
// (`npm run compare -- partition-real --protocols sequencer,raft`). Opt-in, not part of the default suite.
import { pathToFileURL } from 'node:url';
import { CHECKER_NAMES } from '../src/check/index.ts';
import { protocolNames } from '../src/protocols/index.ts';
import { loadScenario, runScenario, type Scenario } from '../src/scenarios/index.ts';

export interface ComparisonRow {
  checker: string;
  /** Per protocol, in the order asked: pass, fail or skip, with the checker's one-line summary. */
  results: Array<{ protocol: string; status: string; summary: string }>;
}

/** Every checker's verdict for the same timeline and seed on each protocol. */
export function compareProtocols(scenario: Scenario, protocols: readonly string[], seed: number): ComparisonRow[] {
  const runs = protocols.map((protocol) => ({ protocol, result: runScenario(scenario, { seed, protocol }) }));
  return CHECKER_NAMES.map((checker) => ({
    checker,
    results: runs.map(({ protocol, result }) => {
      const verdict = result.verdicts.find((candidate) => candidate.checker === checker);
      return { protocol, status: verdict?.status ?? 'not run', summary: verdict?.summary ?? '' };
    }),
  }));
}

/** A markdown table: one row per checker, one column per protocol. */
export function formatComparison(scenarioName: string, seed: number, rows: readonly ComparisonRow[]): string {
  const protocols = rows[0]?.results.map((result) => result.protocol) ?? [];
  const mark = (status: string) => (status === 'pass' ? '✓ pass' : status === 'fail' ? '✗ FAIL' : status);
  return [
    `${scenarioName}, seed ${seed}: the same timeline on ${protocols.join(' and ')}`,
    '',
    `| checker | ${protocols.join(' | ')} |`,
    `|---|${protocols.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.checker} | ${row.results.map((result) => mark(result.status)).join(' | ')} |`),
    '',
    ...rows.flatMap((row) =>
      row.results
        .filter((result) => result.status === 'fail')
        .map((result) => `${result.protocol}, ${row.checker}: ${result.summary}`),
    ),
  ].join('\n');
}

const USAGE =
  'usage: npm run compare -- <scenario> [--protocols a,b] [--seed N]\n' +
  '  <scenario>     a scenario file or a shipped scenario name (default: partition-real)\n' +
  '  --protocols    comma-separated protocols to compare (default: sequencer,raft)\n' +
  '  --seed N       the run seed (default: 1)';

function parse(argv: readonly string[]): { scenario: string; protocols: string[]; seed: number } {
  let scenario = 'partition-real';
  let protocols = ['sequencer', 'raft'];
  let seed = 1;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const value = argv[index + 1];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--protocols' && value !== undefined) {
      protocols = value.split(',');
      index += 1;
    } else if (arg === '--seed' && value !== undefined && /^\d+$/.test(value)) {
      seed = Number(value);
      index += 1;
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown or incomplete option "${arg}"`);
    } else {
      scenario = arg;
    }
  }
  const unknown = protocols.filter((protocol) => !protocolNames().includes(protocol));
  if (unknown.length > 0)
    throw new Error(`unknown protocol ${unknown.join(', ')}; choose from ${protocolNames().join(', ')}`);
  return { scenario, protocols, seed };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const args = parse(process.argv.slice(2));
    const { scenario } = await loadScenario(args.scenario, process.cwd());
    console.log(formatComparison(scenario.name, args.seed, compareProtocols(scenario, args.protocols, args.seed)));
  } catch (error) {
    console.error(`compare: ${(error as Error).message}\n${USAGE}`);
    process.exit(64);
  }
}
