// The long sweep (`npm run sweep`, not part of the default suite): every protocol held to its promise table with
// more runs and more nodes than CI uses, on worker threads. Prints what held, what broke, and how small the
// shrunk counterexamples were. Options: --runs N (default 2000), --nodes K (default 5), --workers W (default 2),
// --seed S (default 1), --swarm (also a swarm search per promised property over every class it holds under).
// Exit 1 when a promised property broke.
import { FAULT_CLASSES, PROPERTIES, type FaultClass, type Property } from '../src/core/promises.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { sweep } from '../src/search/sweep.ts';

const USAGE = `usage: npm run sweep -- [--runs N] [--nodes K] [--workers W] [--seed S] [--swarm]
  --runs N     generated cases per (protocol, fault class) (default 2000)
  --nodes K    cluster size (default 5)
  --workers W  worker threads (default 2)
  --seed S     search seed (default 1)
  --swarm      also search each promised property with swarm testing over all the classes it holds under`;
const KNOWN = new Set(['--runs', '--nodes', '--workers', '--seed', '--swarm', '--help']);
for (const [index, arg] of process.argv.slice(2).entries()) {
  const previous = process.argv[index + 1];
  if (arg.startsWith('--') && !KNOWN.has(arg)) {
    console.error(`unknown flag ${arg}\n${USAGE}`);
    process.exit(64);
  }
  if (!arg.startsWith('--') && !['--runs', '--nodes', '--workers', '--seed'].includes(previous)) {
    console.error(`unexpected argument ${arg}\n${USAGE}`);
    process.exit(64);
  }
}
if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number`);
    process.exit(64);
  }
  return value;
}

const runs = flag('runs', 2_000);
const nodes = flag('nodes', 5);
const workers = flag('workers', 2);
const seed = flag('seed', 1);
const swarm = process.argv.includes('--swarm');
const broken: string[] = [];
const unconfirmed: string[] = [];
const shrunkSizes: number[] = [];
const mixes: string[] = [];
const startedMs = Date.now();

console.log(`sweep: ${runs} runs per (protocol, fault class), ${nodes} nodes, ${workers} workers, seed ${seed}\n`);
for (const protocol of PROTOCOLS) {
  for (const fault of FAULT_CLASSES) {
    const promised = PROPERTIES.filter((property) => protocol.promises[property]?.holds.includes(fault));
    const weak = PROPERTIES.filter((property) => protocol.promises[property]?.breaks?.includes(fault));
    if (promised.length > 0) await holds(protocol.name, fault, promised);
    for (const property of weak) await breaks(protocol.name, fault, property);
  }
  if (swarm) for (const property of PROPERTIES) await holdsSwarm(protocol.name, property, protocol.promises[property]?.holds ?? []);
}

/** A property promised under several classes, searched with each case drawing its own mix of them. */
async function holdsSwarm(protocol: string, property: Property, classes: readonly FaultClass[]): Promise<void> {
  const faults = classes.filter((fault) => fault !== 'none');
  if (faults.length < 2) return;
  const result = await sweep({ protocol, nodes, faults, properties: [property], runs, seed, swarm: true }, workers);
  const line = `${protocol.padEnd(18)} ${'swarm'.padEnd(14)} holds  ${property} under a mix of ${faults.join(', ')}`;
  if (result.violation === null) {
    console.log(`ok     ${line} (${result.runs} runs)`);
    return;
  }
  // Each class alone is promised, not every mix of them: a mix that breaks is reported, not counted as broken.
  const steps = result.violation.shrunk.scenario.steps.length;
  mixes.push(`${line}: broke (case ${result.violation.caseIndex}, ${steps} steps, run seed ${result.violation.shrunk.seed})`);
  console.log(`MIX    ${line}: ${result.violation.verdict.summary}`);
}

async function holds(protocol: string, fault: FaultClass, properties: Property[]): Promise<void> {
  const result = await sweep({ protocol, nodes, faults: [fault], properties, runs, seed }, workers);
  const line = `${protocol.padEnd(18)} ${fault.padEnd(14)} holds  ${properties.join(', ')}`;
  if (result.violation === null) {
    console.log(`ok     ${line} (${result.runs} runs)`);
    return;
  }
  broken.push(`${line}: ${result.violation.property} broke (case ${result.violation.caseIndex}, replay with run seed ${result.violation.shrunk.seed})`);
  console.log(`BROKEN ${line}: ${result.violation.property} — ${result.violation.verdict.summary}`);
}

async function breaks(protocol: string, fault: FaultClass, property: Property): Promise<void> {
  const result = await sweep({ protocol, nodes, faults: [fault], properties: [property], runs, seed }, workers);
  const line = `${protocol.padEnd(18)} ${fault.padEnd(14)} breaks ${property}`;
  if (result.violation === null) {
    unconfirmed.push(line);
    console.log(`??     ${line}: not found in ${result.runs} runs`);
    return;
  }
  const steps = result.violation.shrunk.scenario.steps.length;
  shrunkSizes.push(steps);
  console.log(`shown  ${line}: after ${result.violation.runsToFind} runs, shrunk to ${steps} steps`);
}

const sorted = [...shrunkSizes].sort((a, b) => a - b);
const median = sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)];
console.log(`\n${broken.length} broken promises, ${unconfirmed.length} known weaknesses not shown`);
console.log(`shrunk counterexamples: median ${median} steps, max ${sorted.at(-1) ?? 0}, over ${sorted.length}`);
console.log(`took ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
for (const line of broken) console.log(`BROKEN ${line}`);
for (const line of mixes) console.log(`MIX    ${line}`);
process.exitCode = broken.length > 0 ? 1 : 0;
