import { plot } from 'asciichart';
import type { History, HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { secondsText } from './describe.ts';
import { messageFlights, type Flight } from './intervals.ts';
import { msText } from './markup.ts';
import { bucketCounts, deliveryLatencies } from './metrics.ts';

export const TERMINAL_COLUMNS_DEFAULT = 80;
/** Below this a chart says nothing; narrower terminals get this width anyway and wrap. */
const COLUMNS_MIN = 40;
/** Charts wider than this only stretch the same few points. */
const COLUMNS_MAX = 240;
const CHART_ROWS = 8;
/** asciichart puts each y label in a cell this wide, then the axis. */
const LABEL_CHARS = 9;
const AXIS_OFFSET = 2;

/** The text space-time view is for small runs only; bigger ones are unreadable as text (see report.html). */
export const SPACE_TIME_NODES_MAX = 6;
export const SPACE_TIME_MESSAGES_MAX = 60;
const SPACE_TIME_ROWS_MAX = 240;
const COLUMN_CHARS = 9;
const TIME_CHARS = 11;

function plotWidth(columns: number): number {
  const usable = Math.min(COLUMNS_MAX, Math.max(COLUMNS_MIN, Math.floor(columns)));
  return usable - LABEL_CHARS - AXIS_OFFSET;
}

function chart(series: number[]): string {
  const format = (value: number): string =>
    (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1)).padStart(LABEL_CHARS);
  return plot(series, { height: CHART_ROWS, offset: AXIS_OFFSET, format });
}

function timeAxis(width: number, endMs: number): string {
  const left = '0 s';
  const right = secondsText(endMs);
  const gap = Math.max(1, width - left.length - right.length);
  return `${' '.repeat(LABEL_CHARS + AXIS_OFFSET - 1)}${left}${' '.repeat(gap)}${right}`;
}

/**
 * Two asciichart plots sized to the terminal, over virtual time from 0 to the last delivery: delivery latency
 * (the largest in each slice; a slice with no delivery repeats the one before, asciichart drawing no gaps) and
 * throughput (deliveries at all nodes per second). No lines when nothing was delivered.
 */
export function terminalCharts(history: History, columns: number = TERMINAL_COLUMNS_DEFAULT): string[] {
  const latencies = deliveryLatencies(history);
  const deliveredMs = history.events.filter((event) => event.type === 'deliver').map((event) => event.t);
  if (deliveredMs.length === 0) return [];
  const width = plotWidth(columns);
  const endMs = Math.max(...deliveredMs, 1);
  const sliceMs = endMs / width;
  const sliceOf = (timeMs: number): number => Math.min(width - 1, Math.floor(timeMs / sliceMs));
  const largest = new Array<number | null>(width).fill(null);
  for (const latency of latencies) {
    const slice = sliceOf(latency.deliverMs);
    largest[slice] = Math.max(largest[slice] ?? 0, latency.latencyMs);
  }
  let previous = 0;
  const latencySeries = largest.map((value) => (previous = value ?? previous));
  const throughput = bucketCounts(deliveredMs, 0, endMs, width).map((count) => count / (sliceMs / 1000));
  const slice = `${msText(Math.round(sliceMs))} ms`;
  const lines = [`Delivery latency, ms (largest per ${slice} of virtual time; flat where nothing was delivered)`];
  if (latencies.length > 0) lines.push(...chart(latencySeries).split('\n'), timeAxis(width, endMs));
  else lines.push('  (no delivery matches a submission)');
  lines.push('', `Throughput, deliveries per second of virtual time (all nodes, per ${slice})`);
  lines.push(...chart(throughput).split('\n'), timeAxis(width, endMs));
  return lines;
}

interface Row {
  i: number;
  t: number;
  /** Characters at given offsets of the node area. */
  marks: Array<{ at: number; text: string }>;
  note: string;
}

function center(nodes: readonly NodeId[], node: NodeId): number {
  return nodes.indexOf(node) * COLUMN_CHARS + Math.floor(COLUMN_CHARS / 2);
}

/** An arrow between two node columns, "1 ──▶ 3" or "1 ◀── 3", or "2 ↺" for a message to itself. */
function arrowMarks(nodes: readonly NodeId[], from: NodeId, to: NodeId, lost: boolean): Row['marks'] {
  const a = center(nodes, from);
  const b = center(nodes, to);
  if (from === to) return [{ at: a, text: `${from} ↺` }];
  const left = Math.min(a, b);
  const right = Math.max(a, b);
  const shaft = Math.max(1, right - left - 4);
  const line = '─'.repeat(shaft);
  const head = lost ? '✕' : b > a ? '▶' : '◀';
  const body = b > a ? `${line}${head}` : `${head}${line}`;
  const leftId = String(b > a ? from : to);
  return [{ at: left, text: `${leftId} ${body} ${b > a ? to : from}` }];
}

function flightNote(flight: Flight): string {
  const type = flight.messageType ?? 'message';
  const first = flight.receives[0];
  const outcome =
    first !== undefined
      ? `+${msText(Math.round((first.t - flight.send.t) * 1000) / 1000)} ms`
      : flight.drops.length > 0
        ? `dropped (${flight.drops.map((drop) => drop.reason).join(', ')})`
        : 'never arrived';
  const copies = flight.duplicates.length > 0 ? `, ×${flight.duplicates.length + 1} copies` : '';
  return `${type} ${outcome}${copies}`;
}

function eventRow(nodes: readonly NodeId[], event: HistoryEvent, positions: Map<NodeId, number>): Row | null {
  const at = (node: NodeId, symbol: string, note: string): Row => ({
    i: event.i,
    t: event.t,
    marks: [{ at: center(nodes, node), text: symbol }],
    note,
  });
  switch (event.type) {
    case 'submit':
      return at(event.node, '◆', `node ${event.node} submits ${event.id}`);
    case 'deliver': {
      const position = (positions.get(event.node) ?? 0) + 1;
      positions.set(event.node, position);
      return at(event.node, '●', `node ${event.node} delivers ${event.id} (#${position})`);
    }
    case 'announce':
      if (event.role !== 'leader' && event.role !== 'primary') return null;
      return at(
        event.node,
        '★',
        `node ${event.node} ${event.role.toUpperCase()}${event.term === undefined ? '' : ` term ${event.term}`}`,
      );
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'join':
      return at(
        event.node,
        { crash: '✕', restart: '↻', pause: '‖', resume: '▷', join: '+' }[event.type],
        `node ${event.node} ${event.type.toUpperCase()}`,
      );
    case 'partition':
      return {
        i: event.i,
        t: event.t,
        marks: [],
        note: `partition ${event.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`,
      };
    case 'cut':
    case 'heal':
      return {
        i: event.i,
        t: event.t,
        marks: [],
        note: event.type === 'heal' ? 'heal' : `cut ${event.from} -> ${event.to}`,
      };
    default:
      return null;
  }
}

/** Lays marks over a row of lanes ("│" for each node that is up) and adds the time and the note. */
function renderRow(row: Row, width: number, lanes: string[]): string {
  const cells = [...lanes];
  for (const mark of row.marks) {
    [...mark.text].forEach((char, offset) => {
      if (mark.at + offset < width) cells[mark.at + offset] = char;
    });
  }
  return `${secondsText(row.t).padStart(TIME_CHARS - 2)}  ${cells.join('')}  ${row.note}`.trimEnd();
}

/**
 * A compact space-time view for small runs: one column per node, one row per message or event, messages as
 * arrows from sender to receiver ("1 ──▶ 3", with their latency or fate). Null past the size limits, or with
 * nothing to show.
 */
export function textSpaceTime(history: History): string[] | null {
  const nodes = history.nodes;
  if (nodes.length > SPACE_TIME_NODES_MAX) return null;
  // Counted before any flight is built: a run of millions of messages is refused at the cost of one pass.
  let sends = 0;
  for (const event of history.events) if (event.type === 'send' && ++sends > SPACE_TIME_MESSAGES_MAX) return null;
  const flights = messageFlights(history);
  const byIndex = new Map(flights.map((flight) => [flight.send.i, flight]));
  const positions = new Map<NodeId, number>();
  const down = new Set<NodeId>();
  const width = nodes.length * COLUMN_CHARS;
  const header = nodes
    .map((node) => `node ${node}`.padStart(Math.floor(COLUMN_CHARS / 2) + 3).padEnd(COLUMN_CHARS))
    .join('');
  const lines = [`${'time'.padStart(TIME_CHARS - 2)}  ${header}`.trimEnd()];
  let hidden = 0;
  for (const event of history.events) {
    const flight = byIndex.get(event.i);
    const row =
      flight === undefined
        ? eventRow(nodes, event, positions)
        : {
            i: event.i,
            t: event.t,
            marks: arrowMarks(nodes, flight.from, flight.to, flight.receives.length === 0),
            note: flightNote(flight),
          };
    if (event.type === 'crash') down.add(event.node);
    if (row === null) continue;
    if (lines.length > SPACE_TIME_ROWS_MAX) {
      hidden += 1;
      continue;
    }
    const lanes = Array.from({ length: width }, (_, offset) => {
      const node = nodes[Math.floor(offset / COLUMN_CHARS)];
      return offset % COLUMN_CHARS === Math.floor(COLUMN_CHARS / 2) && !down.has(node) ? '│' : ' ';
    });
    lines.push(renderRow(row, width, lanes));
    if (event.type === 'restart') down.delete(event.node);
  }
  if (hidden > 0) lines.push(`  ... ${hidden} more rows (report.html draws them all)`);
  return lines.length > 1 ? lines : null;
}

/**
 * The run's text report with the charts and, for small runs, the space-time view, placed before the verdicts
 * (after the deliveries they illustrate). Without a "Checkers" heading they go at the end.
 */
export function withTerminalViews(
  report: string,
  history: History,
  columns: number = TERMINAL_COLUMNS_DEFAULT,
): string {
  const extra: string[] = [];
  const spaceTime = textSpaceTime(history);
  if (spaceTime !== null)
    extra.push('Space-time (one row per message or event; ● delivery #k at that node, ✕ lost)', ...spaceTime, '');
  const charts = terminalCharts(history, columns);
  if (charts.length > 0) extra.push(...charts, '');
  if (extra.length === 0) return report;
  const marker = '\nCheckers\n';
  const at = report.indexOf(marker);
  if (at < 0) return `${report}\n\n${extra.join('\n').trimEnd()}`;
  return `${report.slice(0, at + 1)}${extra.join('\n')}\n${report.slice(at + 1)}`;
}
