import type { Scenario } from '../scenarios/dsl.ts';

export interface CounterexampleInfo {
  scenario: Scenario;
  seed: number;
  property: string;
  summary: string;
  /** The command that found it, for the record. */
  foundBy: string;
  shrinks: number;
}

/**
 * A counterexample as a scenario file: plain data passed to `scenario()`, expecting the broken property to pass,
 * so `tob-lab run` on it shows the same violation and exits as `check` did.
 */
export function counterexampleSource(info: CounterexampleInfo): string {
  const { scenario } = info;
  const spec = {
    name: scenario.name,
    description: `counterexample: ${info.property} — ${info.summary}`,
    cluster: scenario.cluster,
    network: scenario.network,
    ...(scenario.links === undefined ? {} : { links: scenario.links }),
    timeline: scenario.steps,
    ...(scenario.settleMs === undefined ? {} : { settleMs: scenario.settleMs }),
    ...(scenario.livenessMs === undefined ? {} : { livenessMs: scenario.livenessMs }),
    ...(scenario.schedule === undefined ? {} : { schedule: scenario.schedule }),
    // A protocol error needs no checker: the runner fails any run whose protocol throws.
    expect: info.property === 'protocol-error' ? {} : { pass: [info.property] },
  };
  return [
    "import { scenario } from 'tob-lab';",
    '',
    `// Found by: ${info.foundBy}`,
    `// Violated: ${info.property} (${info.summary.replace(/\n/g, ' ')})`,
    `// Shrunk ${info.shrinks} times. Replay with --seed ${info.seed}.`,
    `export default scenario(${JSON.stringify(spec, null, 2)});`,
    '',
  ].join('\n');
}
