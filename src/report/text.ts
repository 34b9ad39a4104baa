import { deliveredIdsByNode, type HistoryEvent } from '../core/history.ts';
import type { Verdict } from '../check/index.ts';
import { describeAction, describeTrigger, type RunResult } from '../scenarios/index.ts';
import { crashCutText, storageText } from './describe.ts';
import { boundText, replayCommand, summaryLine, type ReportOptions } from './summary.ts';

export { summaryLine } from './summary.ts';

export const TIMELINE_LINES_MAX = 400;

export interface TextOptions extends ReportOptions {
  /** Path or name to show in the replay command. */
  scenarioArg: string;
  timelineLinesMax?: number;
}

/** The plain-text report of one run: timeline, deliveries per node, verdicts, expectations, replay line. */
export function formatRun(result: RunResult, options: TextOptions): string {
  const lines: string[] = [];
  const { scenario } = result;
  lines.push(
    `tob-lab run ${scenario.name}  (seed ${result.seed}, protocol ${result.protocol}, ${scenario.cluster.nodes} nodes)`,
  );
  if (scenario.source) lines.push(`replays: ${scenario.source}`);
  if (scenario.description) lines.push(scenario.description);
  lines.push('', 'Timeline (virtual time)');
  lines.push(...formatTimeline(result.history.events, options.timelineLinesMax ?? TIMELINE_LINES_MAX));
  lines.push('', "Delivered, in each node's order");
  lines.push(...formatDeliveries(result));
  lines.push('', 'Checkers');
  lines.push(...result.verdicts.map(formatVerdict));
  lines.push('', 'Expectations');
  if (result.expectations.length === 0) lines.push('  (the scenario states none)');
  for (const outcome of result.expectations) {
    lines.push(
      `  ${outcome.holds ? 'ok  ' : 'FAIL'}  ${outcome.expectation}${outcome.holds ? '' : `  (${outcome.detail})`}`,
    );
  }
  if (result.boundHit !== null) lines.push('', boundText(result));
  if (result.protocolError !== null) lines.push('', `Protocol error: ${result.protocolError}`);
  lines.push('', summaryLine(result));
  lines.push(`history: ${result.history.events.length} events, sha256 ${result.hash}`);
  lines.push(`replay:  ${replayCommand(result, options)}`);
  return lines.join('\n');
}

export function formatVerdict(verdict: Verdict): string {
  const status = verdict.status === 'pass' ? 'pass' : verdict.status === 'fail' ? 'FAIL' : 'skip';
  const head = `  ${status}  ${verdict.checker.padEnd(18)} ${verdict.summary}`;
  if (verdict.status !== 'fail' || verdict.evidence.length === 0) return head;
  return [head, ...verdict.evidence.map((event) => `          evidence: ${formatEventBrief(event)}`)].join('\n');
}

/** Time as seconds with milliseconds, right-aligned. */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3).padStart(9)} s`;
}

function formatTimeline(events: readonly HistoryEvent[], linesMax: number): string[] {
  const lines: string[] = [];
  let hidden = 0;
  const dropped = new Map<string, number>();
  for (const event of events) {
    if (event.type === 'drop') dropped.set(event.reason, (dropped.get(event.reason) ?? 0) + 1);
    const text = timelineText(event);
    if (text === null) continue;
    if (lines.length >= linesMax) {
      hidden += 1;
      continue;
    }
    lines.push(`${formatTime(event.t)}  ${text}`);
  }
  if (hidden > 0) lines.push(`  ... ${hidden} more timeline events (write them all with --trace FILE)`);
  if (dropped.size > 0) {
    const parts = [...dropped].map(([reason, count]) => `${count} by ${reason}`);
    lines.push(`  messages dropped: ${parts.join(', ')}`);
  }
  return lines;
}

/** The line an important event gets in the timeline, or null for the routine ones (sends, timers, ...). */
function timelineText(event: HistoryEvent): string | null {
  switch (event.type) {
    case 'announce': {
      const term = event.term === undefined ? '' : ` term ${event.term}`;
      if (event.role === 'leader' || event.role === 'primary')
        return `node ${event.node}  ${event.role.toUpperCase()}${term}`;
      const leader = event.leader === undefined || event.leader === null ? '' : `, leader ${event.leader}`;
      return `node ${event.node}  ${event.role}${term}${leader}`;
    }
    case 'submit':
      return `node ${event.node}  submit ${event.id} ${JSON.stringify(event.payload)}`;
    case 'deliver':
      return `node ${event.node}  deliver ${event.id} from ${event.origin}${formatOrder(event.order)} ${JSON.stringify(event.payload)}`;
    case 'crash':
      return `node ${event.node}  CRASH${crashCutText(event.during)}`;
    case 'storage':
      return `node ${event.node}  STORAGE ${storageText(event)}`;
    case 'restart':
    case 'pause':
    case 'resume':
    case 'join':
      return `node ${event.node}  ${event.type.toUpperCase()}`;
    case 'log':
      return `node ${event.node}  · ${event.text}`;
    case 'partition':
      return `network  PARTITION ${event.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`;
    case 'cut':
    case 'hold':
    case 'release':
      return `network  ${event.type.toUpperCase()} ${event.from} -> ${event.to}`;
    case 'heal':
      return 'network  HEAL';
    case 'clock':
      return `node ${event.node}  clock drift ${event.driftPpm} ppm, offset ${event.offsetMs} ms`;
    case 'network':
      return `network  ${JSON.stringify(event.change)}`;
    case 'phase':
      return event.phase === 'liveness'
        ? '── liveness phase: faults healed, crashed nodes restarted, paused nodes resumed'
        : `── ${event.phase} of the run`;
    case 'bound':
      return `── stopped: ${event.bound} bound ${event.limit} reached`;
    default:
      return null;
  }
}

function formatOrder(order: Record<string, unknown> | undefined): string {
  if (order === undefined) return '';
  const parts = Object.entries(order).map(([key, value]) => `${key} ${JSON.stringify(value)}`);
  return ` (${parts.join(', ')})`;
}

export function formatEventBrief(event: HistoryEvent): string {
  const text = timelineText(event);
  if (text !== null) return `#${event.i} at ${formatTime(event.t).trim()}: ${text}`;
  return `#${event.i} at ${formatTime(event.t).trim()}: ${JSON.stringify(event)}`;
}

function formatDeliveries(result: RunResult): string[] {
  const byNode = deliveredIdsByNode(result.history);
  return [...byNode].map(([node, ids]) => `  node ${node} (${ids.length}): ${ids.join(' ') || '-'}`);
}

/** The machine-readable summary printed by `run --json`. */
export function runSummaryJson(result: RunResult): Record<string, unknown> {
  return {
    scenario: result.scenario.name,
    seed: result.seed,
    protocol: result.protocol,
    exitCode: result.exitCode,
    hash: result.hash,
    events: result.history.events.length,
    boundHit: result.boundHit,
    protocolError: result.protocolError,
    verdicts: result.verdicts,
    expectations: result.expectations,
    deliveries: Object.fromEntries(deliveredIdsByNode(result.history)),
    steps: result.scenario.steps.map((step) => ({ when: describeTrigger(step), action: describeAction(step.action) })),
  };
}
