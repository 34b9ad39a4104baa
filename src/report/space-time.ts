import type { EventOf, History, HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { describeEvent, jsonExcerpt, secondsText } from './describe.ts';
import { messageFlights, messageTypeOf, networkIntervals, nodeIntervals, runEndMs, type Flight } from './intervals.ts';
import { element, escapeXml, msText } from './markup.ts';
import { messageCounts } from './metrics.ts';
import { TimeScale } from './time-scale.ts';

/** What the diagram draws at most, so a long run still gives a page a browser opens quickly. */
export interface DiagramLimits {
  arrowsMax: number;
  /** Every drawn thing: arrows, drops, deliveries, elections, faults. */
  marksMax: number;
  heightPxMax: number;
}

export const DIAGRAM_LIMITS: DiagramLimits = { arrowsMax: 5_000, marksMax: 20_000, heightPxMax: 120_000 };

export interface SpaceTimeDiagram {
  /** The lane labels, kept apart so the page can pin them while the diagram scrolls. */
  headerSvg: string;
  bodySvg: string;
  widthPx: number;
  arrowsDrawn: number;
  arrowsTotal: number;
  /** Says what was left out, or null when everything is drawn. */
  note: string | null;
  /** Message types, the colours their arrows have, how many were received, and whether they start hidden. */
  typeColors: Array<{ type: string; color: string; count: number; hidden: boolean }>;
}

const LEFT_PX = 92;
const RIGHT_PX = 170;
const HEADER_PX = 30;
/**
 * Colours far apart in hue and lightness (the Tableau 10 set without its red, which drops use, and its grey,
 * which is for types past the eighth), so neighbouring arrows of different types are told apart at a glance.
 */
const TYPE_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];
/**
 * A periodic message type (heartbeats and the like) that is the most frequent type and makes up more than this
 * share of the arrows starts hidden: it drowns the messages that carry the story.
 */
const DOMINANT_SHARE = 1 / 3;
const PERIODIC_TYPE = /heartbeat|ping|alive|gossip_clock/i;
const OTHER_TYPE_COLOR = '#64748b';
/** Kinds of node event drawn as a marker on the lane; several at one instant stack in rows. */
const STACKED_TYPES = new Set(['deliver', 'submit', 'announce', 'crash', 'restart', 'pause', 'resume', 'join']);

interface Layout {
  nodes: NodeId[];
  laneGapPx: number;
  widthPx: number;
  scale: TimeScale;
  /** Row of each stacked marker at its (node, instant), by history index. */
  rowOf: Map<number, number>;
  colorOf: (type: string | null) => string;
  /** Message types drawn but hidden until the reader shows them (see DOMINANT_SHARE). */
  hiddenTypes: ReadonlySet<string>;
}

/** Received messages by type, most frequent first (ties by name, so the same run gives the same page). */
function receivedByType(history: History): Array<{ type: string; count: number }> {
  const sentType = new Map<string | number, string>();
  const counts = new Map<string, number>();
  for (const event of history.events) {
    if (event.type === 'send') sentType.set(event.msg, messageTypeOf(event.body) ?? UNTYPED);
    else if (event.type === 'receive') {
      const type = sentType.get(event.msg) ?? UNTYPED;
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
  }
  return [...counts]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type));
}

/** The name metrics give messages without a string `type` field. */
const UNTYPED = '(untyped)';

function dominantPeriodicTypes(history: History): Set<string> {
  const byType = receivedByType(history);
  const total = byType.reduce((sum, row) => sum + row.count, 0);
  const top = byType[0];
  return top !== undefined && PERIODIC_TYPE.test(top.type) && top.count > total * DOMINANT_SHARE
    ? new Set([top.type])
    : new Set();
}

/** The history's space-time diagram: a lane per node, time flowing down, messages as arrows. */
export function renderSpaceTime(history: History, limits: DiagramLimits = DIAGRAM_LIMITS): SpaceTimeDiagram {
  // Counted, not filtered: a run of millions of messages would keep an event object per receive.
  let arrowsTotal = 0;
  for (const event of history.events) if (event.type === 'receive') arrowsTotal += 1;
  let drawn = cutByCount(history, limits);
  let layout = buildLayout(history, drawn);
  const cutTimeMs = layout.scale.firstTimeBelow(limits.heightPxMax);
  if (cutTimeMs !== null) {
    drawn = drawn.filter((event) => event.t < cutTimeMs);
    layout = buildLayout(history, drawn);
  }
  const part: History = { nodes: history.nodes, events: drawn };
  const flights = messageFlights(part);
  const arrowsDrawn = drawn.filter((event) => event.type === 'receive').length;
  const body = [
    defs(),
    bands(part, layout),
    breaks(layout),
    phases(drawn, layout),
    lanes(part, layout),
    timeAxis(layout),
    ...flights.map((flight) => flightMarks(flight, layout)),
    marks(drawn, layout),
  ].join('');
  const typeColors = receivedByType(history).map(({ type, count }) => ({
    type,
    color: layout.colorOf(type),
    count,
    hidden: layout.hiddenTypes.has(type),
  }));
  return {
    headerSvg: element(
      'svg',
      { width: layout.widthPx, height: HEADER_PX, class: 'lanes-header', role: 'img' },
      laneLabels(layout),
    ),
    bodySvg: element(
      'svg',
      { width: layout.widthPx, height: layout.scale.heightPx, class: 'space-time', role: 'img' },
      body,
    ),
    widthPx: layout.widthPx,
    arrowsDrawn,
    arrowsTotal,
    note: truncationNote(history, drawn, arrowsDrawn, arrowsTotal),
    typeColors,
  };
}

function isMark(event: HistoryEvent): boolean {
  return (
    event.type === 'receive' || event.type === 'drop' || event.type === 'duplicate' || STACKED_TYPES.has(event.type)
  );
}

/** The events up to the point where the arrow or mark budget runs out. */
function cutByCount(history: History, limits: DiagramLimits): HistoryEvent[] {
  let arrows = 0;
  let marksSoFar = 0;
  for (const [index, event] of history.events.entries()) {
    if (event.type === 'receive') arrows += 1;
    if (isMark(event)) marksSoFar += 1;
    if (arrows > limits.arrowsMax || marksSoFar > limits.marksMax) return history.events.slice(0, index);
  }
  return history.events;
}

function truncationNote(
  history: History,
  drawn: HistoryEvent[],
  arrowsDrawn: number,
  arrowsTotal: number,
): string | null {
  if (drawn.length === history.events.length) return null;
  const lastMs = drawn.length === 0 ? 0 : drawn[drawn.length - 1].t;
  return (
    `This run is large: the diagram draws its first ${drawn.length} of ${history.events.length} events ` +
    `(${arrowsDrawn} of ${arrowsTotal} message arrows, up to ${secondsText(lastMs)} of ${secondsText(runEndMs(history))}). ` +
    'The metrics, charts and exported files cover the whole run.'
  );
}

function buildLayout(history: History, drawn: HistoryEvent[]): Layout {
  const nodes = history.nodes;
  const laneGapPx = Math.min(230, Math.max(110, Math.floor(900 / Math.max(1, nodes.length))));
  const rowOf = new Map<number, number>();
  const rowsAt = new Map<number, number>();
  const used = new Map<string, number>();
  for (const event of drawn) {
    if (!STACKED_TYPES.has(event.type) || !('node' in event)) continue;
    const key = `${event.node}@${event.t}`;
    const row = used.get(key) ?? 0;
    used.set(key, row + 1);
    rowOf.set(event.i, row);
    rowsAt.set(event.t, Math.max(rowsAt.get(event.t) ?? 1, row + 1));
  }
  const times = [0, ...drawn.map((event) => event.t)];
  const scale = new TimeScale(times, rowsAt, {
    pxPerMs: pxPerMsFor(drawn),
    stepPxMin: 7,
    gapPxMax: 46,
    rowPx: 15,
    topPx: 14,
  });
  const ranked = messageCounts({ nodes, events: drawn }).byType.map((row) => row.type);
  const colorOf = (type: string | null): string => {
    const rank = ranked.indexOf(type ?? '(untyped)');
    return rank >= 0 && rank < TYPE_COLORS.length ? TYPE_COLORS[rank] : OTHER_TYPE_COLOR;
  };
  const hiddenTypes = dominantPeriodicTypes(history);
  return {
    nodes,
    laneGapPx,
    widthPx: LEFT_PX + laneGapPx * nodes.length + RIGHT_PX,
    scale,
    rowOf,
    colorOf,
    hiddenTypes,
  };
}

/** Scales time so that a typical message latency spans about 40 px. */
function pxPerMsFor(drawn: HistoryEvent[]): number {
  const sentMs = new Map<string | number, number>();
  const latencies: number[] = [];
  for (const event of drawn) {
    if (event.type === 'send' && event.node !== event.to) sentMs.set(event.msg, event.t);
    if (event.type === 'receive' && sentMs.has(event.msg)) latencies.push(event.t - (sentMs.get(event.msg) ?? event.t));
  }
  const positive = latencies.filter((ms) => ms > 0).sort((a, b) => a - b);
  if (positive.length === 0) return 0.2;
  const medianMs = positive[Math.floor(positive.length / 2)];
  return Math.min(8, Math.max(0.02, 40 / medianMs));
}

function laneX(layout: Layout, node: NodeId): number {
  const index = layout.nodes.indexOf(node);
  return LEFT_PX + layout.laneGapPx * (Math.max(0, index) + 0.5);
}

function title(text: string): string {
  return `<title>${escapeXml(text)}</title>`;
}

function defs(): string {
  const head = (id: string, color: string): string =>
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">` +
    `<path d="M0,0 L10,5 L0,10 z" fill="${color}"/></marker>`;
  const hatch =
    '<pattern id="hatch-down" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    '<rect width="6" height="6" fill="#e5e7eb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="3"/></pattern>';
  return `<defs>${head('head', '#334155')}${hatch}</defs>`;
}

function laneLabels(layout: Layout): string {
  return layout.nodes
    .map((node) =>
      element('text', { x: laneX(layout, node), y: 20, class: 'lane-label', 'data-lane-label': node }, `node ${node}`),
    )
    .join('');
}

/** Partitions, cuts and held links as bands across the lanes, labelled on the left. */
function bands(part: History, layout: Layout): string {
  return networkIntervals(part)
    .map((interval) => {
      const y1 = layout.scale.y(interval.startMs);
      const y2 = Math.max(layout.scale.y(interval.endMs), y1 + 4);
      const what = `${interval.kind} ${interval.label}`;
      const tip = `${what}: ${secondsText(interval.startMs)} to ${interval.closed ? secondsText(interval.endMs) : 'the end of the run'}`;
      const rect = element('rect', {
        x: LEFT_PX - 4,
        y: y1,
        width: layout.widthPx - LEFT_PX - RIGHT_PX / 2,
        height: y2 - y1,
        class: `band ${interval.kind}`,
      });
      const label = element(
        'text',
        { x: layout.widthPx - RIGHT_PX / 2 - 8, y: y1 + 12, class: 'band-label', 'text-anchor': 'end' },
        escapeXml(what),
      );
      return element('g', { 'data-kind': interval.kind }, rect + label + title(tip));
    })
    .join('');
}

function breaks(layout: Layout): string {
  return layout.scale.breaks
    .map((gap) => {
      const line = element('line', {
        x1: 4,
        y1: gap.y,
        x2: layout.widthPx - RIGHT_PX / 2,
        y2: gap.y,
        class: 'gap-line',
      });
      const label = element(
        'text',
        { x: LEFT_PX - 10, y: gap.y + 4, class: 'gap-label', 'text-anchor': 'end' },
        `⋯ ${(gap.gapMs / 1000).toFixed(2)} s`,
      );
      return element(
        'g',
        { 'data-kind': 'gap' },
        line + label + title(`${msText(gap.gapMs)} ms with nothing drawn, shortened`),
      );
    })
    .join('');
}

/** Where the liveness phase begins (faults healed) and where a bound stopped the run: a line across the lanes. */
function phases(drawn: HistoryEvent[], layout: Layout): string {
  return drawn
    .filter((event) => (event.type === 'phase' && event.phase === 'liveness') || event.type === 'bound')
    .map((event) => {
      const y = layout.scale.y(event.t);
      const text = event.type === 'bound' ? 'stopped: bound reached' : 'liveness phase: faults healed';
      const line = element('line', {
        x1: LEFT_PX - 4,
        y1: y,
        x2: layout.widthPx - RIGHT_PX / 2,
        y2: y,
        class: 'phase-line',
      });
      const label = element(
        'text',
        { x: layout.widthPx - RIGHT_PX / 2 - 8, y: y - 4, class: 'phase-label', 'text-anchor': 'end' },
        text,
      );
      return element(
        'g',
        { 'data-kind': 'phase', 'data-ev': `${event.i}` },
        line + label + title(`${secondsText(event.t)}  ${describeEvent(event)}`),
      );
    })
    .join('');
}

/** A lane per node: its line, and shading while it is down, paused or not yet joined. */
function lanes(part: History, layout: Layout): string {
  const intervals = nodeIntervals(part);
  const bottom = layout.scale.heightPx - 6;
  return layout.nodes
    .map((node) => {
      const x = laneX(layout, node);
      const line = element('line', { x1: x, y1: 6, x2: x, y2: bottom, class: 'lane-line' });
      const shades = intervals
        .filter((interval) => interval.node === node)
        .map((interval) => {
          const y1 = layout.scale.y(interval.startMs);
          const y2 = Math.max(layout.scale.y(interval.endMs), y1 + 3);
          const tip = `node ${node} ${interval.kind}: ${secondsText(interval.startMs)} to ${interval.closed ? secondsText(interval.endMs) : 'the end'}`;
          const rect = element('rect', {
            x: x - 7,
            y: y1,
            width: 14,
            height: y2 - y1,
            class: `shade ${interval.kind}`,
          });
          return element('g', { 'data-kind': interval.kind, 'data-node': node }, rect + title(tip));
        })
        .join('');
      return element('g', { 'data-lane': node }, line + shades);
    })
    .join('');
}

/** Time labels on the left, at most one every 22 px, always one right after a shortened gap. */
function timeAxis(layout: Layout): string {
  const labels: string[] = [];
  let lastY = Number.NEGATIVE_INFINITY;
  const gapYs = layout.scale.breaks.map((gap) => gap.y);
  for (const timeMs of layout.scale.timesMs) {
    const y = layout.scale.y(timeMs);
    const afterGap = gapYs.some((gapY) => gapY > lastY && gapY < y);
    if (y - lastY < 22 && !afterGap) continue;
    if (y - lastY < 12) continue;
    labels.push(
      element('text', { x: LEFT_PX - 10, y: y + 4, class: 'time-label', 'text-anchor': 'end' }, secondsText(timeMs)),
    );
    labels.push(element('line', { x1: LEFT_PX - 6, y1: y, x2: LEFT_PX - 1, y2: y, class: 'tick' }));
    lastY = y;
  }
  return element('g', { class: 'time-axis' }, labels.join(''));
}

/** One message: an arrow per received copy, a struck line per drop, a badge when the network copied it. */
function flightMarks(flight: Flight, layout: Layout): string {
  const { send } = flight;
  const x1 = laneX(layout, flight.from);
  const y1 = layout.scale.y(send.t);
  const x2 = laneX(layout, flight.to);
  const color = layout.colorOf(flight.messageType);
  const what = `msg ${flight.msg} ${flight.messageType ?? ''}`.trim();
  const body = jsonExcerpt(send.body);
  const parts = flight.receives.map((receive, copy) => {
    const y2 = layout.scale.y(receive.t);
    const latency = `${msText(Math.round((receive.t - send.t) * 1000) / 1000)} ms`;
    const again = copy > 0 ? `, copy ${copy + 1}` : '';
    const tip = `${what}: node ${flight.from} -> node ${flight.to}${again}\nsent ${secondsText(send.t)}, received ${secondsText(receive.t)} (${latency})\n${body}`;
    const path = flight.from === flight.to ? loopPath(x1, y1, y2) : `M${r(x1)},${r(y1)} L${r(x2)},${r(y2)}`;
    const visible = element('path', {
      d: path,
      class: copy > 0 ? 'arrow-line again' : 'arrow-line',
      stroke: color,
      'marker-end': 'url(#head)',
    });
    const hit = element('path', { d: path, class: 'hit' });
    const attrs = {
      'data-kind': 'arrow',
      'data-msg': String(flight.msg),
      'data-from': flight.from,
      'data-to': flight.to,
      'data-copy': copy > 0 ? copy + 1 : undefined,
      'data-ev': `${send.i} ${receive.i}`,
      ...typeAttributes(flight, layout),
    };
    return element('g', attrs, visible + hit + title(tip));
  });
  parts.push(...flight.drops.map((drop) => dropMark(flight, drop, layout, what)));
  if (flight.duplicates.length > 0) {
    // On the first copy's line, 40% of the way, clear of the labels beside the sender's lane.
    const firstEndMs = flight.receives[0]?.t ?? flight.drops[0]?.t ?? send.t;
    const x = x1 + (x2 - x1) * 0.4;
    const y = y1 + (layout.scale.y(firstEndMs) - y1) * 0.4;
    const tip = `${what} duplicated by the network: ${flight.duplicates.length + 1} copies sent`;
    const badge = element(
      'text',
      { x, y: y - 4, class: 'dup-badge', 'text-anchor': 'middle' },
      `×${flight.duplicates.length + 1}`,
    );
    const attrs = {
      'data-kind': 'duplicate',
      'data-msg': String(flight.msg),
      'data-ev': flight.duplicates.map((event) => event.i).join(' '),
      ...typeAttributes(flight, layout),
    };
    parts.push(element('g', attrs, badge + title(tip)));
  }
  if (flight.receives.length + flight.drops.length === 0) {
    const stub = element('path', {
      d: `M${r(x1)},${r(y1)} L${r(x1 + (x2 - x1) * 0.25)},${r(y1 + 8)}`,
      class: 'in-flight',
    });
    parts.push(
      element(
        'g',
        { 'data-kind': 'in-flight', 'data-ev': `${send.i}` },
        stub + title(`${what} to node ${flight.to}: no receive or drop in the drawn part of the run\n${body}`),
      ),
    );
  }
  return parts.join('');
}

/** The message type on every mark of a message, so the page can hide a type; hidden types start with class "off". */
function typeAttributes(flight: Flight, layout: Layout): Record<string, string | undefined> {
  const type = flight.messageType ?? UNTYPED;
  return { 'data-type': type, class: layout.hiddenTypes.has(type) ? 'off' : undefined };
}

function r(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A message a node sends itself: a small loop out to the right of its lane. */
function loopPath(x: number, y1: number, y2: number): string {
  const bottom = Math.max(y2, y1 + 8);
  return `M${r(x)},${r(y1)} C${r(x + 30)},${r(y1)} ${r(x + 30)},${r(bottom)} ${r(x + 2)},${r(bottom)}`;
}

function dropMark(flight: Flight, drop: EventOf<'drop'>, layout: Layout, what: string): string {
  const x1 = laneX(layout, flight.from);
  const y1 = layout.scale.y(flight.send.t);
  const x2 = laneX(layout, flight.to);
  // Dropped on sending (loss, a partition or cut at the sender): a short stub; on arrival: the whole way.
  const atSend = drop.t === flight.send.t;
  const endX = atSend ? x1 + (x2 - x1) * 0.3 : x2;
  const endY = atSend ? y1 + 12 : layout.scale.y(drop.t);
  const line = element('path', { d: `M${r(x1)},${r(y1)} L${r(endX)},${r(endY)}`, class: 'drop-line' });
  const cross = element('text', { x: endX, y: endY + 4, class: 'drop-x', 'text-anchor': 'middle' }, '✕');
  const reason = element('text', { x: endX + 7, y: endY + 13, class: 'drop-reason' }, escapeXml(drop.reason));
  const tip = `${what}: node ${flight.from} -> node ${flight.to} dropped (${drop.reason}) at ${secondsText(drop.t)}, sent ${secondsText(flight.send.t)}`;
  const attrs = {
    'data-kind': 'drop',
    'data-reason': drop.reason,
    'data-ev': `${flight.send.i} ${drop.i}`,
    ...typeAttributes(flight, layout),
  };
  return element('g', attrs, line + cross + reason + title(tip));
}

/** Markers on the lanes: deliveries (numbered in each node's order), submissions, elections, crashes, ... */
function marks(drawn: HistoryEvent[], layout: Layout): string {
  const position = new Map<NodeId, number>();
  const out: string[] = [];
  for (const event of drawn) {
    if (!STACKED_TYPES.has(event.type) || !('node' in event)) continue;
    const x = laneX(layout, event.node);
    const y = layout.scale.y(event.t) + (layout.rowOf.get(event.i) ?? 0) * 15;
    let tip = `${secondsText(event.t)}  ${describeEvent(event)}`;
    if (event.type === 'deliver') {
      const k = (position.get(event.node) ?? 0) + 1;
      position.set(event.node, k);
      tip += `\n#${k} in node ${event.node}'s delivery order`;
      out.push(
        marker(
          event,
          'deliver',
          y,
          x,
          `<circle cx="${r(x)}" cy="${r(y)}" r="4.5" class="m-deliver"/>`,
          `#${k} ${event.id}`,
          tip,
          { 'data-position': k },
        ),
      );
    } else out.push(otherMarker(event, x, y, tip));
  }
  return out.join('');
}

function marker(
  event: HistoryEvent,
  kind: string,
  y: number,
  x: number,
  shape: string,
  label: string,
  tip: string,
  extra: Record<string, string | number> = {},
): string {
  const node = 'node' in event ? event.node : undefined;
  const text = label === '' ? '' : element('text', { x: x + 9, y: y + 4, class: `label l-${kind}` }, escapeXml(label));
  return element(
    'g',
    { 'data-kind': kind, 'data-node': node, 'data-ev': `${event.i}`, ...extra },
    shape + text + title(tip),
  );
}

function otherMarker(event: HistoryEvent, x: number, y: number, tip: string): string {
  const square = (cls: string): string => `<rect x="${r(x - 4)}" y="${r(y - 4)}" width="8" height="8" class="${cls}"/>`;
  switch (event.type) {
    case 'submit':
      return marker(event, 'submit', y, x, square('m-submit'), `submit ${event.id}`, tip);
    case 'announce': {
      const leads = event.role === 'leader' || event.role === 'primary';
      if (!leads)
        return marker(
          event,
          'announce',
          y,
          x,
          `<circle cx="${r(x)}" cy="${r(y)}" r="2.5" class="m-announce"/>`,
          '',
          tip,
        );
      const star = `<path d="${starPath(x, y)}" class="m-election"/>`;
      const term = event.term === undefined ? '' : ` t${event.term}`;
      return marker(event, 'election', y, x, star, `${event.role.toUpperCase()}${term}`, tip);
    }
    case 'crash':
      return marker(
        event,
        'crash',
        y,
        x,
        `<text x="${r(x)}" y="${r(y + 5)}" class="m-crash" text-anchor="middle">✕</text>`,
        'CRASH',
        tip,
      );
    default:
      return marker(event, event.type, y, x, square(`m-${event.type}`), event.type.toUpperCase(), tip);
  }
}

function starPath(x: number, y: number): string {
  const points: string[] = [];
  for (let k = 0; k < 10; k += 1) {
    const radius = k % 2 === 0 ? 7 : 3;
    const angle = (Math.PI / 5) * k - Math.PI / 2;
    points.push(`${r(x + radius * Math.cos(angle))},${r(y + radius * Math.sin(angle))}`);
  }
  return `M${points.join(' L')} Z`;
}
