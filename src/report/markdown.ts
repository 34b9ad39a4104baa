import type { RunResult } from '../scenarios/index.ts';
import type { Table } from './markup.ts';
import { computeMetrics } from './metrics.ts';
import { evidenceText, REPORT_FILES, scheduleLines, summaryRows, type ReportOptions } from './summary.ts';
import { metricsTables } from './tables.ts';

/** A table cell: pipes escaped, line breaks flattened, so any text keeps the table intact. */
export function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');
}

export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function tableSection(table: Table): string {
  const caption = table.caption === undefined ? '' : `${table.caption}\n\n`;
  return `### ${table.title}\n\n${caption}${markdownTable(table.headers, table.rows)}\n`;
}

function scheduleText(result: RunResult): string {
  const lines = scheduleLines(result);
  return lines.length === 0 ? 'The scenario has no steps.\n' : `${lines.join('\n')}\n`;
}

/** report.md: summary, verdicts with their evidence, expectations and the metrics, as plain Markdown. */
export function renderMarkdown(result: RunResult, options: ReportOptions = {}): string {
  const rows = summaryRows(result, options);
  const replay = rows.find(([key]) => key === 'replay')?.[1] ?? '';
  const parts = [
    `# tob-lab report: ${result.scenario.name}, seed ${result.seed}\n`,
    markdownTable(
      ['', ''],
      rows.filter(([key]) => key !== 'replay'),
    ) + '\n',
    `Replay it:\n\n\`\`\`sh\n${replay}\n\`\`\`\n`,
    `## Schedule\n\n${scheduleText(result)}\n`,
    '## Checkers\n',
    markdownTable(
      ['checker', 'kind', 'verdict', 'summary'],
      result.verdicts.map((verdict) => [
        verdict.checker,
        verdict.kind,
        verdict.status === 'fail' ? '**FAIL**' : verdict.status,
        verdict.summary,
      ]),
    ) + '\n',
    ...result.verdicts
      .filter((verdict) => verdict.evidence.length > 0)
      .map(
        (verdict) =>
          `Evidence for ${verdict.checker}:\n\n${verdict.evidence.map((event) => `- ${evidenceText(event)}`).join('\n')}\n`,
      ),
    '## Expectations\n',
    result.expectations.length === 0
      ? 'The scenario states no expectations.\n'
      : markdownTable(
          ['expectation', 'kind', 'holds', 'detail'],
          result.expectations.map((outcome) => [
            outcome.expectation,
            outcome.kind,
            outcome.holds ? 'yes' : '**no**',
            outcome.detail,
          ]),
        ) + '\n',
    '## Metrics\n',
    ...metricsTables(computeMetrics(result.history)).map(tableSection),
    '## Files\n',
    REPORT_FILES.map(
      (file) => `- \`${file.name}\`: ${file.what}${file.code === undefined ? '' : ` \`${file.code}\``}`,
    ).join('\n') + '\n',
  ];
  return parts.join('\n');
}
