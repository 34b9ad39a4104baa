import { parseArgs } from 'node:util';

export interface ScriptOption {
  /** What the option means, with its default; shown by --help. */
  help: string;
  /** Boolean options take no value. */
  boolean?: boolean;
}

/**
 * The arguments of one of our scripts (npm run sweep, bench, docs): --help prints the usage and exits 0; an
 * unknown flag or a stray argument prints what was wrong and the usage, and exits 64, before any work starts.
 */
export function scriptArgs(
  usage: string,
  options: Record<string, ScriptOption>,
  argv: readonly string[] = process.argv.slice(2),
): Record<string, string | boolean | undefined> {
  const help = [
    usage,
    '',
    'Options:',
    ...Object.entries(options).map(
      ([name, option]) => `  --${name}${option.boolean ? '' : ' <value>'}`.padEnd(26) + option.help,
    ),
    '  --help'.padEnd(26) + 'this text',
  ].join('\n');
  const config = Object.fromEntries(
    Object.entries(options).map(([name, option]) => [
      name,
      { type: option.boolean ? ('boolean' as const) : ('string' as const) },
    ]),
  );
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { ...config, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${help}\n`);
    process.exit(64);
  }
  if (values.help === true) {
    process.stdout.write(`${help}\n`);
    process.exit(0);
  }
  return values;
}

/** A whole-number option, or exit 64 saying what it must be. */
export function wholeNumber(
  values: Record<string, string | boolean | undefined>,
  name: string,
  fallback: number,
  min = 0,
): number {
  const text = values[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || value < min) {
    process.stderr.write(`--${name} must be a whole number >= ${min}, got "${String(text)}"\n`);
    process.exit(64);
  }
  return value;
}
