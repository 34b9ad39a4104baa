/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text } from 'ink';
import type { HistoryEvent } from '../../core/history.ts';
import type { NodeStatus } from '../../core/node.ts';
import type { Verdict } from '../../check/index.ts';
import type { ExpectationOutcome, RunSnapshot } from '../../scenarios/runner.ts';

export interface RunViewProps {
  title: string;
  snapshot: RunSnapshot | null;
  /** How many fault and election lines to show (the most recent ones) while the run goes on. */
  eventLinesMax?: number;
  /** Set once the run is over. */
  verdicts?: Verdict[];
  expectations?: ExpectationOutcome[];
  /** The closing lines (verdict, seed and protocol, replay command): always shown whole, at the very end. */
  footer?: string[];
  /** The screen the final frame must fit (default 80 x 24), so the replay line never scrolls away. */
  columns?: number;
  rows?: number;
}

const SCREEN_COLUMNS_DEFAULT = 80;
const SCREEN_ROWS_DEFAULT = 24;
/** Rows an ink frame keeps for the cursor line below it. */
const ROWS_RESERVED = 1;

/** The live picture of a simulated run: one lane per node, the clock, recent faults and elections, verdicts. */
export function RunView(props: RunViewProps) {
  const { snapshot } = props;
  const columns = props.columns ?? SCREEN_COLUMNS_DEFAULT;
  const nodes = snapshot?.nodes ?? [];
  const final = props.verdicts === undefined ? null : finalLines(props.verdicts, props.expectations ?? [], columns);
  const footer = props.footer ?? [];
  const footerRows = footer.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0);
  // Whatever rows the lanes, verdicts and footer leave go to the latest faults and elections.
  const usedRows = 1 + (nodes.length + 2) + 1 + (final?.length ?? 0) + footerRows + ROWS_RESERVED;
  const eventLines =
    final === null
      ? (props.eventLinesMax ?? 8)
      : Math.max(0, Math.min(props.eventLinesMax ?? 8, (props.rows ?? SCREEN_ROWS_DEFAULT) - usedRows));
  return (
    <Box flexDirection="column" width={columns}>
      <Box justifyContent="space-between">
        <Text bold>{clip(props.title, columns - 32)}</Text>
        <Text>
          {snapshot === null ? 'starting' : `t = ${(snapshot.nowMs / 1000).toFixed(3)} s (${snapshot.phase} phase)`}
        </Text>
      </Box>
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        {nodes.map((node) => (
          <Lane
            key={node.id}
            id={node.id}
            up={node.up}
            paused={node.paused}
            status={node.status}
            delivered={node.delivered}
          />
        ))}
      </Box>
      <Text bold>Faults and elections</Text>
      {notableLines(snapshot?.events ?? [], eventLines).map((line, index) => (
        <Text key={index} color={line.color}>
          {clip(`  ${line.text}`, columns)}
        </Text>
      ))}
      {(final ?? []).map((line, index) => (
        <Text key={`final-${index}`} color={line.color} bold={line.bold}>
          {line.text}
        </Text>
      ))}
      {footer.map((line, index) => (
        <Text key={`footer-${index}`}>{line}</Text>
      ))}
    </Box>
  );
}

function clip(text: string, columns: number): string {
  return text.length <= columns ? text : `${text.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * The verdicts in as few rows as a screen allows: the passing checkers on one line, each failing one on its
 * own, and the expectations as a count with the broken ones named (at most three, the rest counted).
 */
function finalLines(verdicts: Verdict[], expectations: ExpectationOutcome[], columns: number): Line[] {
  const lines: Line[] = [];
  const passed = verdicts.filter((verdict) => verdict.status === 'pass').map((verdict) => verdict.checker);
  const skipped = verdicts.filter((verdict) => verdict.status === 'skip').length;
  const skippedText = skipped === 0 ? '' : ` (${skipped} not applicable)`;
  lines.push({ text: clip(`checkers: pass ${passed.join(', ') || 'none'}${skippedText}`, columns), color: 'green' });
  for (const verdict of verdicts.filter((candidate) => candidate.status === 'fail')) {
    lines.push({
      text: clip(`  FAIL ${verdict.checker}: ${verdict.summary.replace(/\n/g, ' ')}`, columns),
      color: 'red',
    });
  }
  const broken = expectations.filter((outcome) => !outcome.holds);
  const held = expectations.length - broken.length;
  lines.push({
    text: `expectations: ${held} of ${expectations.length} hold`,
    color: broken.length === 0 ? 'green' : 'red',
  });
  for (const outcome of broken.slice(0, 3)) {
    lines.push({ text: clip(`  FAIL ${outcome.expectation} (${outcome.detail})`, columns), color: 'red' });
  }
  if (broken.length > 3)
    lines.push({ text: `  ... and ${broken.length - 3} more (--plain shows them all)`, color: 'red' });
  return lines;
}

interface LaneProps {
  id: number;
  up: boolean;
  paused: boolean;
  status: NodeStatus | null;
  delivered: number;
}

/** Long enough to watch deliveries grow, short enough that a lane fits 80 columns. */
const DELIVERED_BAR_MAX = 20;

function Lane({ id, up, paused, status, delivered }: LaneProps) {
  const role = !up ? 'DOWN' : paused ? 'PAUSED' : (status?.role ?? '?');
  const leading = role === 'leader' || role === 'primary';
  const color = !up ? 'red' : paused ? 'yellow' : leading ? 'green' : undefined;
  const term = up && status?.term !== undefined ? `term ${status.term}` : '';
  const leader =
    up && status?.leader !== undefined && status.leader !== null && !leading ? `leader ${status.leader}` : '';
  return (
    <Box>
      <Box width={9}>
        <Text bold>node {id}</Text>
      </Box>
      <Box width={10}>
        <Text color={color}>{leading ? role.toUpperCase() : role}</Text>
      </Box>
      <Box width={9}>
        <Text>{term}</Text>
      </Box>
      <Box width={11}>
        <Text>{leader}</Text>
      </Box>
      <Text>delivered {delivered} </Text>
      <Text color="cyan">{'▮'.repeat(Math.min(delivered, DELIVERED_BAR_MAX))}</Text>
    </Box>
  );
}

interface Line {
  text: string;
  color?: string;
  bold?: boolean;
}

/** The latest faults, restarts and leadership changes, newest last. */
export function notableLines(events: readonly HistoryEvent[], linesMax: number): Line[] {
  const lines: Line[] = [];
  for (let index = events.length - 1; index >= 0 && lines.length < linesMax; index -= 1) {
    const line = notable(events[index]);
    if (line !== null) lines.push(line);
  }
  return lines.reverse();
}

function notable(event: HistoryEvent): Line | null {
  const at = `${(event.t / 1000).toFixed(3).padStart(8)} s  `;
  switch (event.type) {
    case 'crash':
    case 'pause':
      return { text: `${at}node ${event.node} ${event.type.toUpperCase()}`, color: 'red' };
    case 'restart':
    case 'resume':
    case 'join':
      return { text: `${at}node ${event.node} ${event.type.toUpperCase()}`, color: 'yellow' };
    case 'partition':
      return {
        text: `${at}PARTITION ${event.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`,
        color: 'red',
      };
    case 'cut':
      return { text: `${at}CUT ${event.from} -> ${event.to}`, color: 'red' };
    case 'heal':
      return { text: `${at}HEAL`, color: 'yellow' };
    case 'announce':
      if (event.role !== 'leader' && event.role !== 'primary') return null;
      return {
        text: `${at}node ${event.node} ${event.role.toUpperCase()}${event.term === undefined ? '' : ` term ${event.term}`}`,
        color: 'green',
      };
    case 'phase':
      return event.phase === 'liveness' ? { text: `${at}liveness phase: faults healed` } : null;
    default:
      return null;
  }
}
