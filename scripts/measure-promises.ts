// Measures every promise-table cell (protocol x fault class x property) with the CI budget, to write the tables
// from evidence: prints "holds" or "breaks" per cell with the shrunk size. Not part of the suite.
import { FAULT_CLASSES, PROPERTIES } from '../src/core/promises.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';
import { searchViolation } from '../src/search/index.ts';

const runs = Number(process.env.RUNS ?? 200);
const only = process.env.PROTOCOLS?.split(',');
const classes = process.env.CLASSES?.split(',') ?? FAULT_CLASSES;
const acking = new Set(['sequencer', 'sequencer-retry-dedup', 'raft']);
for (const protocol of PROTOCOLS) {
  if (only !== undefined && !only.includes(protocol.name)) continue;
  for (const fault of classes) {
    const cells: string[] = [];
    for (const property of PROPERTIES) {
      if (property === 'durability' && !acking.has(protocol.name)) continue;
      if (property === 'election-safety' && !['sequencer', 'sequencer-retry-dedup', 'primary-backup', 'raft'].includes(protocol.name)) continue;
      const result = searchViolation({ protocol: protocol.name, nodes: 3, faults: [fault as never], properties: [property], runs, seed: 20261121, shrinkRunsMax: 50 });
      cells.push(result.violation === null ? `${property}:ok` : `${property}:BREAKS@${result.violation.runsToFind}`);
    }
    console.log(`${protocol.name.padEnd(22)} ${fault.padEnd(14)} ${cells.join(' ')}`);
  }
}
