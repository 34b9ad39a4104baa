// JSX settings said here, not only in tsconfig.json: tsx looks for tsconfig from the working directory, so run
// from any other directory it would compile JSX to React.createElement, with no React in scope.
/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { Box, Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import type { NodeId, SubmissionId } from '../../core/ids.ts';
import type { JsonObject } from '../../core/json.ts';
import type { NodeStatus } from '../../core/node.ts';

/** One delivered message as the screen shows it. */
export interface ChatLine {
  id: SubmissionId;
  origin: NodeId;
  payload: string;
  order?: JsonObject;
}

/** A peer link as the screen shows it (the live host's PeerState has this shape). */
export interface ChatPeer {
  node: NodeId;
  address: string;
  outbound: string;
  inbound: boolean;
  queued: number;
  dropped: number;
}

export interface ChatScreenProps {
  title: string;
  /** This node's id, to tell its own messages apart. */
  self: NodeId;
  /** Delivered messages in delivery order. */
  deliveries: readonly ChatLine[];
  /** Null while the node is not running. */
  status: NodeStatus | null;
  peers: readonly ChatPeer[];
  /** Recent log lines (connection changes, elections, refusals), newest last. */
  notices: readonly string[];
  onSubmit(text: string): void;
  onQuit(): void;
  /** Message rows shown at most (the latest). */
  rowsMax?: number;
}

type Panel = { title: string; lines: string[] } | null;

const INPUT_CHARS_MAX = 4096;
const HISTORY_LINES_MAX = 200;
const NOTICES_SHOWN_MAX = 3;
const COMMANDS = '/status  /peers  /history  /quit';

/** "seq 3 term 1", "ts 17 proposer 2", "vc [1,0,2]": the protocol's ordering data, whatever its shape. */
export function formatOrder(order: JsonObject | undefined): string {
  if (order === undefined) return '';
  return Object.entries(order)
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

export function statusLine(status: NodeStatus | null): string {
  if (status === null) return 'not running';
  const parts = [`role ${status.role}`];
  if (status.leader !== undefined) parts.push(`leader ${status.leader === null ? 'none' : status.leader}`);
  if (status.term !== undefined) parts.push(`term ${status.term}`);
  parts.push(`delivered ${status.delivered}`);
  return parts.join(' · ');
}

function peerLine(peer: ChatPeer): string {
  const dropped = peer.dropped > 0 ? `, ${peer.dropped} dropped` : '';
  return (
    `node ${peer.node}  ${peer.address}  to it: ${peer.outbound}` +
    `${peer.queued > 0 ? ` (${peer.queued} queued)` : ''}${dropped}  from it: ${peer.inbound ? 'connected' : 'not connected'}`
  );
}

function messageLine(line: ChatLine): string {
  const order = formatOrder(line.order);
  return `${order === '' ? '' : `[${order}] `}node ${line.origin}: ${line.payload}`;
}

/** What a slash command shows, computed from the current props so it is never stale. */
function panelFor(command: string, props: ChatScreenProps): Panel {
  switch (command) {
    case '/status': {
      const details = props.status?.details;
      const extra = details === undefined ? [] : [`details: ${formatOrder(details)}`];
      return { title: 'status', lines: [statusLine(props.status), ...extra] };
    }
    case '/peers':
      return { title: 'peers', lines: props.peers.length === 0 ? ['no peers'] : props.peers.map(peerLine) };
    case '/history': {
      const shown = props.deliveries.slice(-HISTORY_LINES_MAX);
      const lines = shown.map(
        (line, index) => `${props.deliveries.length - shown.length + index + 1}. ${line.id}  ${messageLine(line)}`,
      );
      return {
        title: `history (${props.deliveries.length} delivered)`,
        lines: lines.length === 0 ? ['nothing delivered yet'] : lines,
      };
    }
    default:
      return { title: 'unknown command', lines: [`${command} is not a command; try ${COMMANDS}`] };
  }
}

/** The chat between terminals: messages in delivery order, who leads, an input line and a few commands. */
export function ChatScreen(props: ChatScreenProps) {
  // The input lives in a ref so that keys arriving faster than renders never see a stale line.
  const input = useRef('');
  const [, setInputVersion] = useState(0);
  const setInput = (text: string) => {
    input.current = text.slice(0, INPUT_CHARS_MAX);
    setInputVersion((version) => version + 1);
  };
  const [panel, setPanel] = useState<{ command: string } | null>(null);
  const submitLine = (): void => {
    const line = input.current.trim();
    setInput('');
    if (line === '') return;
    if (line === '/quit') return props.onQuit();
    if (line.startsWith('/')) return setPanel({ command: line.split(/\s+/)[0] });
    setPanel(null);
    props.onSubmit(line);
  };
  // Control characters never belong in a chat line.
  const append = (text: string) => setInput(input.current + text.replace(/[\u0000-\u001f\u007f]/g, ''));
  useInput((text, key) => {
    if (key.ctrl && text === 'c') return props.onQuit();
    if (key.escape) return setPanel(null);
    if (key.return) return submitLine();
    if (key.backspace || key.delete) return setInput(input.current.slice(0, -1));
    if (key.ctrl || key.meta || text === '') return;
    // A paste (or fast typing) arrives in one piece, line breaks included: each line is sent as if typed.
    const lines = text.split(/\r\n|\r|\n/);
    lines.forEach((part, index) => {
      append(part);
      if (index < lines.length - 1) submitLine();
    });
  });
  const shown = panel === null ? null : panelFor(panel.command, props);
  const rows = props.deliveries.slice(-(props.rowsMax ?? 15));
  return (
    <Box flexDirection="column">
      <Text bold>{props.title}</Text>
      <Text color={props.status?.role === 'leader' || props.status?.role === 'primary' ? 'green' : undefined}>
        {statusLine(props.status)}
      </Text>
      <Box flexDirection="column" borderStyle="round" paddingX={1}>
        {rows.length === 0 ? <Text dimColor>no messages yet</Text> : null}
        {rows.map((line, index) => (
          <Text key={`${index}-${line.id}`} color={line.origin === props.self ? 'cyan' : undefined}>
            {messageLine(line)}
          </Text>
        ))}
      </Box>
      {shown === null ? null : <PanelView panel={shown} />}
      {props.notices.slice(-NOTICES_SHOWN_MAX).map((notice, index) => (
        <Text key={`notice-${index}`} dimColor>
          {notice}
        </Text>
      ))}
      <Text>
        <Text bold>{'> '}</Text>
        {input.current}
        <Text inverse> </Text>
      </Text>
      <Text dimColor>{COMMANDS} (Esc closes a panel)</Text>
    </Box>
  );
}

function PanelView({ panel }: { panel: NonNullable<Panel> }) {
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1}>
      <Text bold>{panel.title}</Text>
      {panel.lines.map((line, index) => (
        <Text key={index}>{line}</Text>
      ))}
    </Box>
  );
}
