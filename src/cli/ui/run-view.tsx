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
  /** How many fault and election lines to show (the most recent ones). */
  eventLinesMax?: number;
  /** Set once the run is over. */
  verdicts?: Verdict[];
  expectations?: ExpectationOutcome[];
  footer?: string[];
}

/** The live picture of a simulated run: one lane per node, the clock, recent faults and elections, verdicts. */
export function RunView(props: RunViewProps) {
  const { snapshot } = props;
  return (
    <Box flexDirection="column">
      <Box justifyContent="space-between">
        <Text bold>{props.title}</Text>
        <Text>{snapshot === null ? 'starting' : `t = ${(snapshot.nowMs / 1000).toFixed(3)} s (${snapshot.phase} phase)`}</Text>
      </Box>
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        {(snapshot?.nodes ?? []).map((node) => (
          <Lane key={node.id} id={node.id} up={node.up} paused={node.paused} status={node.status} delivered={node.delivered} />
        ))}
      </Box>
      <Text bold>Faults and elections</Text>
      {notableLines(snapshot?.events ?? [], props.eventLinesMax ?? 8).map((line, index) => (
        <Text key={index} color={line.color}>
          {'  '}
          {line.text}
        </Text>
      ))}
      {props.verdicts !== undefined ? <Verdicts verdicts={props.verdicts} expectations={props.expectations ?? []} /> : null}
      {(props.footer ?? []).map((line, index) => (
        <Text key={`footer-${index}`}>{line}</Text>
      ))}
    </Box>
  );
}

interface LaneProps {
  id: number;
  up: boolean;
  paused: boolean;
  status: NodeStatus | null;
  delivered: number;
}

function Lane({ id, up, paused, status, delivered }: LaneProps) {
  const role = !up ? 'DOWN' : paused ? 'PAUSED' : (status?.role ?? '?');
  const leading = role === 'leader' || role === 'primary';
  const color = !up ? 'red' : paused ? 'yellow' : leading ? 'green' : undefined;
  const term = up && status?.term !== undefined ? `term ${status.term}` : '';
  const leader = up && status?.leader !== undefined && status.leader !== null && !leading ? `leader ${status.leader}` : '';
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
      <Text color="cyan">{'▮'.repeat(Math.min(delivered, 40))}</Text>
    </Box>
  );
}

function Verdicts({ verdicts, expectations }: { verdicts: Verdict[]; expectations: ExpectationOutcome[] }) {
  return (
    <Box flexDirection="column">
      <Text bold>Checkers</Text>
      {verdicts.map((verdict) => (
        <Text key={verdict.checker} color={verdict.status === 'fail' ? 'red' : verdict.status === 'pass' ? 'green' : 'gray'}>
          {'  '}
          {verdict.status === 'fail' ? 'FAIL' : verdict.status}
          {'  '}
          {verdict.checker.padEnd(18)} {verdict.summary}
        </Text>
      ))}
      <Text bold>Expectations</Text>
      {expectations.map((outcome, index) => (
        <Text key={index} color={outcome.holds ? 'green' : 'red'}>
          {'  '}
          {outcome.holds ? 'ok  ' : 'FAIL'} {outcome.expectation}
          {outcome.holds ? '' : ` (${outcome.detail})`}
        </Text>
      ))}
    </Box>
  );
}

interface Line {
  text: string;
  color?: string;
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
      return { text: `${at}PARTITION ${event.groups.map((group) => `{${group.join(',')}}`).join(' | ')}`, color: 'red' };
    case 'cut':
      return { text: `${at}CUT ${event.from} -> ${event.to}`, color: 'red' };
    case 'heal':
      return { text: `${at}HEAL`, color: 'yellow' };
    case 'announce':
      if (event.role !== 'leader' && event.role !== 'primary') return null;
      return { text: `${at}node ${event.node} ${event.role.toUpperCase()}${event.term === undefined ? '' : ` term ${event.term}`}`, color: 'green' };
    case 'phase':
      return event.phase === 'liveness' ? { text: `${at}liveness phase: faults healed` } : null;
    default:
      return null;
  }
}
