import type { ProtocolDefinition } from '../core/node.ts';
import { FAULT_CLASSES, PROPERTIES, type FaultClass } from '../core/promises.ts';

/** Short column heads for the fault classes, so the table stays narrow; typed so a new class needs its head. */
const FAULT_HEADS: Record<FaultClass, string> = {
  none: 'none',
  delay: 'delay',
  loss: 'loss',
  duplication: 'dup',
  crash: 'crash',
  'crash-restart': 'restart',
  partition: 'part',
  'clock-drift': 'drift',
  storage: 'storage',
};

/** One row per (protocol, property): P promised, x known to break, . not promised. */
export function formatPromiseTable(protocols: readonly ProtocolDefinition[]): string {
  const heads = FAULT_CLASSES.map((fault) => FAULT_HEADS[fault].padStart(8)).join('');
  const lines = [`  ${'protocol'.padEnd(19)}${'property'.padEnd(19)}${heads}`];
  for (const protocol of protocols) {
    for (const property of PROPERTIES) {
      const entry = protocol.promises?.[property];
      if (entry === undefined) continue;
      const cells = FAULT_CLASSES.map((fault) => {
        const mark = entry.holds.includes(fault) ? 'P' : entry.breaks?.includes(fault) ? 'x' : '.';
        return mark.padStart(8);
      }).join('');
      lines.push(`  ${protocol.name.padEnd(19)}${property.padEnd(19)}${cells}`);
    }
  }
  return lines.join('\n');
}

/** The same table as Markdown, for the README and reports. */
export function promiseTableMarkdown(protocols: readonly ProtocolDefinition[]): string {
  const lines = [
    `| protocol | property | ${FAULT_CLASSES.join(' | ')} |`,
    `|---|---|${FAULT_CLASSES.map(() => ':-:').join('|')}|`,
  ];
  for (const protocol of protocols) {
    for (const property of PROPERTIES) {
      const entry = protocol.promises?.[property];
      if (entry === undefined) continue;
      const cells = FAULT_CLASSES.map((fault) =>
        entry.holds.includes(fault) ? '✓' : entry.breaks?.includes(fault) ? '✗' : '·',
      );
      lines.push(`| ${protocol.name} | ${property} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

export const README_TABLE_START = '<!-- promise-table:start -->';
export const README_TABLE_END = '<!-- promise-table:end -->';

/** README.md with the promise table between its markers replaced by the protocols' current data. */
export function readmeWithPromiseTable(readme: string, protocols: readonly ProtocolDefinition[]): string {
  const start = readme.indexOf(README_TABLE_START);
  const end = readme.indexOf(README_TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${README_TABLE_START} ... ${README_TABLE_END} markers`);
  const legend = '✓ promised · ✗ known to break (property search must show it) · · not promised';
  const table = `${README_TABLE_START}\n${promiseTableMarkdown(protocols)}\n\n${legend}\n`;
  return readme.slice(0, start) + table + readme.slice(end);
}
