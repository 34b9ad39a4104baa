// The long sweep (`npm run sweep`, not part of the default suite): every protocol held to its promise table with
// more runs and more nodes than CI uses, on worker threads. Prints what held, what broke, and how small the
// shrunk counterexamples were; --swarm adds a swarm search per promised property, --churn a leader-churn search per
// class that can strike a leader. Exit 1 when a promised property broke.
import { protocolPromises, type ProtocolDefinition } from '../src/core/node.ts';
import { FAULT_CLASSES, PROPERTIES, type FaultClass, type Property } from '../src/core/promises.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { ScenarioError } from '../src/scenarios/errors.ts';
import { resolveProtocol } from '../src/scenarios/runner.ts';
import { sweep } from '../src/search/sweep.ts';
import { CHURN_FAULTS } from '../src/search/churn.ts';
import { protocolFromFlag } from '../src/scenarios/user-module.ts';
import { scriptArgs, wholeNumber } from './args.ts';

const values = scriptArgs(
  'npm run sweep -- [options]: holds every protocol to its whole promise table (takes minutes)',
  {
    runs: { help: 'generated cases per protocol and fault class (default 2000)' },
    nodes: { help: 'cluster size (default 5)' },
    workers: { help: 'worker threads (default 2)' },
    seed: { help: 'search seed (default 1)' },
    protocol: { help: 'only this protocol: a shipped name or ./my-protocol.ts (default: every shipped one)' },
    faults: { help: 'only these fault classes, comma-separated, e.g. crash,crash-restart (default: every one)' },
    swarm: {
      help: 'also search each promised property with swarm testing over every class it holds under',
      boolean: true,
    },
    churn: {
      help: 'also hold each protocol to its promises in leader-churn worlds, per class that can strike a leader',
      boolean: true,
    },
  },
);
const runs = wholeNumber(values, 'runs', 2_000, 1);
const nodes = wholeNumber(values, 'nodes', 5, 1);
const workers = wholeNumber(values, 'workers', 2, 1);
const seed = wholeNumber(values, 'seed', 1);
const swarm = values.swarm === true;
const churn = values.churn === true;
const protocols = await chosenProtocols(values.protocol);
const faultClasses = chosenFaults(values.faults);

/** The fault classes to sweep; an unknown name is refused before any work starts. */
function chosenFaults(given: string | boolean | undefined): readonly FaultClass[] {
  if (typeof given !== 'string') return FAULT_CLASSES;
  const names = given.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(FAULT_CLASSES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    process.stderr.write(`--faults: unknown fault class ${unknown.join(', ')}; known: ${FAULT_CLASSES.join(', ')}\n`);
    process.exit(64);
  }
  return names as FaultClass[];
}

async function chosenProtocols(given: string | boolean | undefined): Promise<readonly ProtocolDefinition[]> {
  if (typeof given !== 'string') return PROTOCOLS;
  try {
    return [resolveProtocol((await protocolFromFlag(given, process.cwd())) ?? given)];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(64);
  }
}
const broken: string[] = [];
const unconfirmed: string[] = [];
const shrunkSizes: number[] = [];
const mixes: string[] = [];
const startedMs = Date.now();

console.log(`sweep: ${runs} runs per (protocol, fault class), ${nodes} nodes, ${workers} workers, seed ${seed}\n`);
for (const protocol of protocols) {
  const promises = protocolPromises(protocol);
  for (const fault of faultClasses) {
    const promised = PROPERTIES.filter((property) => promises[property]?.holds.includes(fault));
    const weak = PROPERTIES.filter((property) => promises[property]?.breaks?.includes(fault));
    if (promised.length > 0) await holds(protocol, fault, promised);
    for (const property of weak) await breaks(protocol, fault, property);
    // A churn world strikes leaders with blows of this one class: a break there is a break under the class.
    if (churn && promised.length > 0 && CHURN_FAULTS.includes(fault)) await holds(protocol, fault, promised, true);
  }
  if (swarm) {
    for (const property of PROPERTIES) {
      const classes = (promises[property]?.holds ?? []).filter((fault) => faultClasses.includes(fault));
      await holdsSwarm(protocol, property, classes);
    }
  }
}

/** A property promised under several classes, searched with each case drawing its own mix of them. */
async function holdsSwarm(
  protocol: ProtocolDefinition,
  property: Property,
  classes: readonly FaultClass[],
): Promise<void> {
  const faults = classes.filter((fault) => fault !== 'none');
  if (faults.length < 2) return;
  const result = await sweep({ protocol, nodes, faults, properties: [property], runs, seed, swarm: true }, workers);
  const line = `${protocol.name.padEnd(18)} ${'swarm'.padEnd(14)} holds  ${property} under a mix of ${faults.join(', ')}`;
  if (result.violation === null) {
    console.log(`ok     ${line} (${result.runs} runs)`);
    return;
  }
  // Each class alone is promised, not every mix of them: a mix that breaks is reported, not counted as broken.
  const steps = result.violation.shrunk.scenario.steps.length;
  mixes.push(
    `${line}: broke (case ${result.violation.caseIndex}, ${steps} steps, run seed ${result.violation.shrunk.seed})`,
  );
  console.log(`MIX    ${line}: ${result.violation.verdict.summary}`);
}

async function holds(
  protocol: ProtocolDefinition,
  fault: FaultClass,
  properties: Property[],
  inChurn = false,
): Promise<void> {
  const result = await sweep({ protocol, nodes, faults: [fault], properties, runs, seed, churn: inChurn }, workers);
  const world = inChurn ? `${fault} churn` : fault;
  const line = `${protocol.name.padEnd(18)} ${world.padEnd(14)} holds  ${properties.join(', ')}`;
  if (result.violation === null) {
    console.log(`ok     ${line} (${result.runs} runs)`);
    return;
  }
  broken.push(
    `${line}: ${result.violation.property} broke (case ${result.violation.caseIndex}, replay with run seed ${result.violation.shrunk.seed})`,
  );
  console.log(`BROKEN ${line}: ${result.violation.property} — ${result.violation.verdict.summary}`);
}

async function breaks(protocol: ProtocolDefinition, fault: FaultClass, property: Property): Promise<void> {
  const result = await sweep({ protocol, nodes, faults: [fault], properties: [property], runs, seed }, workers);
  const line = `${protocol.name.padEnd(18)} ${fault.padEnd(14)} breaks ${property}`;
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
