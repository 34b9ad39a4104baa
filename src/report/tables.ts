import { secondsText } from './describe.ts';
import { msText, type Table } from './markup.ts';
import type { LatencyStats, RunMetrics } from './metrics.ts';

/** Interval lists in a cell stay short: the first few, then a count. */
const INTERVALS_LISTED_MAX = 6;
/** Elections listed at most; a flapping cluster can elect hundreds of times. */
const ELECTIONS_LISTED_MAX = 50;

/** The metrics of a run as tables, in the order a reader wants them: latency, traffic, leadership, faults. */
export function metricsTables(metrics: RunMetrics): Table[] {
  return [
    latencyTable(metrics),
    messagesTable(metrics),
    ...leadershipTables(metrics),
    downtimeTable(metrics),
    networkTable(metrics),
  ];
}

function latencyRow(label: string, stats: LatencyStats | null): string[] {
  if (stats === null) return [label, '0', '-', '-', '-', '-', '-'];
  return [
    label,
    `${stats.count}`,
    msText(stats.meanMs),
    msText(stats.p50Ms),
    msText(stats.p95Ms),
    msText(stats.p99Ms),
    msText(stats.maxMs),
  ];
}

function latencyTable(metrics: RunMetrics): Table {
  return {
    title: 'Delivery latency',
    caption: "From a message's submission to its delivery at each node, in virtual ms (nearest-rank quantiles).",
    headers: ['where', 'deliveries', 'mean', 'p50', 'p95', 'p99', 'max'],
    rows: [
      latencyRow('all nodes', metrics.latency.overall),
      ...Object.entries(metrics.latency.byNode).map(([node, stats]) => latencyRow(`node ${node}`, stats)),
    ],
  };
}

function ratioText(value: number | null): string {
  return value === null ? '-' : value.toFixed(2);
}

function messagesTable(metrics: RunMetrics): Table {
  const { messages } = metrics;
  return {
    title: 'Messages',
    caption: `${messages.sends} messages sent for ${messages.submits} submitted: ${ratioText(messages.perSubmit)} per submitted message.`,
    headers: ['message type', 'sent', 'per submitted message'],
    rows: [
      ...messages.byType.map((row) => [row.type, `${row.sends}`, ratioText(row.perSubmit)]),
      ['all', `${messages.sends}`, ratioText(messages.perSubmit)],
    ],
  };
}

function intervalsText(intervals: ReadonlyArray<{ startMs: number; endMs: number; closed: boolean }>): string {
  if (intervals.length === 0) return '-';
  const shown = intervals.slice(0, INTERVALS_LISTED_MAX).map((interval) => {
    const end = interval.closed ? secondsText(interval.endMs) : 'end';
    return `${secondsText(interval.startMs)} - ${end}`;
  });
  const more = intervals.length - shown.length;
  return shown.join(', ') + (more > 0 ? `, and ${more} more` : '');
}

function leadershipTables(metrics: RunMetrics): Table[] {
  if (metrics.leaderless === null) return [];
  const listed = metrics.elections.slice(0, ELECTIONS_LISTED_MAX);
  const more = metrics.elections.length - listed.length;
  return [
    {
      title: 'Elections',
      caption:
        `${metrics.elections.length} announcements of a new leader or primary; no node led for ` +
        `${msText(metrics.leaderless.totalMs)} ms in all (${intervalsText(metrics.leaderless.intervals)}).` +
        (more > 0 ? ` The first ${listed.length} are listed.` : ''),
      headers: ['time', 'node', 'role', 'term'],
      rows: listed.map((election) => [
        secondsText(election.atMs),
        `${election.node}`,
        election.role,
        election.term === null ? '-' : `${election.term}`,
      ]),
    },
  ];
}

function downtimeTable(metrics: RunMetrics): Table {
  return {
    title: 'Downtime',
    caption: 'Per node: time down (crash to restart, or to the end of the run) and time paused.',
    headers: ['node', 'crashes', 'down (ms)', 'pauses', 'paused (ms)', 'up at the end'],
    rows: metrics.downtime.map((row) => [
      `node ${row.node}`,
      `${row.crashes}`,
      msText(row.downMs),
      `${row.pauses}`,
      msText(row.pausedMs),
      row.upAtEnd ? 'yes' : 'no',
    ]),
  };
}

function networkTable(metrics: RunMetrics): Table {
  const { drops, duplicates } = metrics;
  return {
    title: 'Drops and duplicates',
    caption: 'Messages the network dropped, by reason; copies it made; messages with no outcome when the run ended.',
    headers: ['what', 'messages'],
    rows: [
      ...Object.entries(drops.byReason).map(([reason, count]) => [`dropped: ${reason}`, `${count}`]),
      ['dropped in all', `${drops.total}`],
      ['duplicated by the network', `${duplicates.total}`],
      ['received again (a copy)', `${duplicates.receivedAgain}`],
      ['still in flight at the end', `${metrics.inFlightAtEnd}`],
    ],
  };
}
