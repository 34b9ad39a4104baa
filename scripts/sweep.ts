// The long sweep (`npm run sweep`, not part of the default suite): every protocol held to its promise table with
// more runs and more nodes than CI uses, on worker threads. Prints what held, what broke, and how small the
// shrunk counterexamples were. Options: --runs N (default 2000), --nodes K (default 5), --workers W (default 2),
// --seed S (default 1). Exit 1 when a promised property broke.
import { FAULT_CLASSES, PROPERTIES, type FaultClass, type Property } from '../src/core/promises.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { sweep } from '../src/search/sweep.ts';

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
const broken: string[] = [];
const unconfirmed: string[] = [];
const shrunkSizes: number[] = [];
const startedMs = Date.now();

console.log(`sweep: ${runs} runs per (protocol, fault class), ${nodes} nodes, ${workers} workers, seed ${seed}\n`);
for (const protocol of PROTOCOLS) {
  for (const fault of FAULT_CLASSES) {
    const promised = PROPERTIES.filter((property) => protocol.promises[property]?.holds.includes(fault));
    const weak = PROPERTIES.filter((property) => protocol.promises[property]?.breaks?.includes(fault));
    if (promised.length > 0) await holds(protocol.name, fault, promised);
    for (const property of weak) await breaks(protocol.name, fault, property);
  }
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
process.exitCode = broken.length > 0 ? 1 : 0;
