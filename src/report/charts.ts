import type { History } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { secondsText } from './describe.ts';
import { runEndMs } from './intervals.ts';
import { element, escapeXml, msText } from './markup.ts';
import { bucketCounts, deliveryLatencies } from './metrics.ts';

/** Points a scatter plot draws at most; beyond that every k-th delivery is drawn. */
export const CHART_POINTS_MAX = 5_000;
/** Bucket widths a throughput chart may use, in ms: the smallest that keeps the bars to BARS_MAX. */
const BUCKET_MS_CHOICES = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 3_600_000];
const BARS_MAX = 120;

export const NODE_COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#65a30d'];

const WIDTH_PX = 760;
const HEIGHT_PX = 240;
const PAD = { left: 58, right: 16, top: 14, bottom: 38 };

export function nodeColor(nodes: readonly NodeId[], node: NodeId): string {
  return NODE_COLORS[Math.max(0, nodes.indexOf(node)) % NODE_COLORS.length];
}

/** A "nice" step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

interface Frame {
  xMax: number;
  yMax: number;
  x(value: number): number;
  y(value: number): number;
}

function frame(xMax: number, yMax: number): Frame {
  const plotW = WIDTH_PX - PAD.left - PAD.right;
  const plotH = HEIGHT_PX - PAD.top - PAD.bottom;
  return {
    xMax,
    yMax,
    x: (value) => PAD.left + (value / xMax) * plotW,
    y: (value) => PAD.top + plotH - (value / yMax) * plotH,
  };
}

function axes(f: Frame, xLabel: string, yLabel: string, xFormat: (value: number) => string): string {
  const parts: string[] = [];
  const xStep = niceStep(f.xMax, 8);
  for (let value = 0, k = 0; value <= f.xMax + 1e-9 && k < 50; value += xStep, k += 1) {
    parts.push(element('line', { x1: f.x(value), y1: f.y(0), x2: f.x(value), y2: f.y(0) + 4, class: 'axis' }));
    parts.push(
      element(
        'text',
        { x: f.x(value), y: f.y(0) + 16, class: 'tick-label', 'text-anchor': 'middle' },
        escapeXml(xFormat(value)),
      ),
    );
  }
  const yStep = niceStep(f.yMax, 5);
  for (let value = 0, k = 0; value <= f.yMax + 1e-9 && k < 50; value += yStep, k += 1) {
    parts.push(
      element('line', { x1: PAD.left, y1: f.y(value), x2: WIDTH_PX - PAD.right, y2: f.y(value), class: 'grid' }),
    );
    parts.push(
      element(
        'text',
        { x: PAD.left - 6, y: f.y(value) + 4, class: 'tick-label', 'text-anchor': 'end' },
        escapeXml(msText(Math.round(value * 1000) / 1000)),
      ),
    );
  }
  parts.push(element('line', { x1: PAD.left, y1: f.y(0), x2: WIDTH_PX - PAD.right, y2: f.y(0), class: 'axis' }));
  parts.push(element('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: f.y(0), class: 'axis' }));
  parts.push(
    element(
      'text',
      { x: WIDTH_PX / 2, y: HEIGHT_PX - 4, class: 'axis-label', 'text-anchor': 'middle' },
      escapeXml(xLabel),
    ),
  );
  parts.push(element('text', { x: 12, y: PAD.top + 4, class: 'axis-label' }, escapeXml(yLabel)));
  return parts.join('');
}

function svg(kind: string, inner: string): string {
  return element('svg', { width: WIDTH_PX, height: HEIGHT_PX, class: 'chart', 'data-chart': kind, role: 'img' }, inner);
}

/** Each delivery as a dot: when it happened (x) against how long after its submission (y), coloured by node. */
export function latencyChart(history: History): string | null {
  const latencies = deliveryLatencies(history);
  if (latencies.length === 0) return null;
  const stride = Math.ceil(latencies.length / CHART_POINTS_MAX);
  const shown = latencies.filter((_, index) => index % stride === 0);
  const f = frame(
    Math.max(runEndMs(history), 1) / 1000,
    Math.max(...latencies.map((latency) => latency.latencyMs), 1) * 1.05,
  );
  const dots = shown.map((latency) => {
    const tip = `${latency.id} at node ${latency.node}: delivered ${secondsText(latency.deliverMs)}, ${msText(latency.latencyMs)} ms after its submission`;
    const dot = element('circle', {
      cx: f.x(latency.deliverMs / 1000),
      cy: f.y(latency.latencyMs),
      r: 3,
      fill: nodeColor(history.nodes, latency.node),
      class: 'dot',
    });
    return element(
      'g',
      { 'data-kind': 'latency-point', 'data-ev': `${latency.i}` },
      dot + `<title>${escapeXml(tip)}</title>`,
    );
  });
  const note =
    stride > 1
      ? element(
          'text',
          { x: WIDTH_PX - PAD.right, y: PAD.top + 4, class: 'tick-label', 'text-anchor': 'end' },
          `every ${stride}th delivery drawn`,
        )
      : '';
  return svg(
    'latency',
    axes(f, 'virtual time (s)', 'latency (ms)', (value) => `${+value.toFixed(3)}`) + dots.join('') + note,
  );
}

/** Deliveries (at all nodes) per second of virtual time, in buckets of a round width. */
export function throughputChart(history: History): { svg: string; bucketMs: number } | null {
  const times = history.events.filter((event) => event.type === 'deliver').map((event) => event.t);
  if (times.length === 0) return null;
  const endMs = Math.max(runEndMs(history), 1);
  const bucketMs =
    BUCKET_MS_CHOICES.find((width) => endMs / width <= BARS_MAX) ?? BUCKET_MS_CHOICES[BUCKET_MS_CHOICES.length - 1];
  const buckets = Math.max(1, Math.ceil(endMs / bucketMs));
  const counts = bucketCounts(times, 0, buckets * bucketMs, buckets);
  const rates = counts.map((count) => count / (bucketMs / 1000));
  const f = frame((buckets * bucketMs) / 1000, Math.max(...rates, 1) * 1.05);
  const bars = rates.map((rate, index) => {
    if (rate === 0) return '';
    const x = f.x((index * bucketMs) / 1000);
    const width = Math.max(1, f.x(((index + 1) * bucketMs) / 1000) - x - 1);
    const tip = `${secondsText(index * bucketMs)} - ${secondsText((index + 1) * bucketMs)}: ${counts[index]} deliveries (${msText(Math.round(rate * 1000) / 1000)}/s)`;
    const bar = element('rect', { x, y: f.y(rate), width, height: f.y(0) - f.y(rate), class: 'bar' });
    return element('g', { 'data-kind': 'throughput-bar' }, bar + `<title>${escapeXml(tip)}</title>`);
  });
  return {
    svg: svg(
      'throughput',
      axes(f, 'virtual time (s)', 'deliveries/s', (value) => `${+value.toFixed(3)}`) + bars.join(''),
    ),
    bucketMs,
  };
}
