import type { Verdict } from '../check/index.ts';
import type { RunResult } from '../scenarios/index.ts';
import { latencyChart, throughputChart } from './charts.ts';
import { element, escapeXml, type Table } from './markup.ts';
import { computeMetrics } from './metrics.ts';
import { DIAGRAM_LIMITS, renderSpaceTime, type DiagramLimits, type SpaceTimeDiagram } from './space-time.ts';
import { evidenceText, REPORT_FILES, scheduleLines, summaryRows, type ReportOptions } from './summary.ts';
import { metricsTables } from './tables.ts';

export interface HtmlOptions extends ReportOptions {
  limits?: DiagramLimits;
}

/**
 * report.html: one self-contained page (inline CSS, script and SVG; nothing fetched from anywhere) with the
 * summary, the verdicts, the space-time diagram, charts and metrics.
 */
export function renderHtml(result: RunResult, options: HtmlOptions = {}): string {
  const diagram = renderSpaceTime(result.history, options.limits ?? DIAGRAM_LIMITS);
  const title = `tob-lab report: ${result.scenario.name}, seed ${result.seed}`;
  const body = [
    `<header><h1>${escapeXml(title)}</h1>${outcomeBadge(result)}</header>`,
    section('summary', 'Summary', keyValueTable(summaryRows(result, options))),
    section('schedule', 'Schedule', scheduleList(result)),
    section('verdicts', 'Checkers', verdictTable(result.verdicts)),
    section('expectations', 'Expectations', expectationTable(result)),
    section('diagram', 'Space-time diagram', diagramSection(diagram)),
    section('charts', 'Charts', chartsSection(result)),
    section('metrics', 'Metrics', metricsTables(computeMetrics(result.history)).map(htmlTable).join('')),
    section('files', 'Files of this report', filesList()),
  ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${STYLE}</style></head>`,
    `<body>${body}\n<div id="tip" class="tip" hidden></div>\n<script>${SCRIPT}</script></body></html>`,
    '',
  ].join('\n');
}

function section(id: string, heading: string, inner: string): string {
  return `<section id="${id}"><h2>${escapeXml(heading)}</h2>${inner}</section>`;
}

function outcomeBadge(result: RunResult): string {
  const text = ['expectations hold', 'safety violation', 'liveness violation'][result.exitCode];
  return element('span', { class: `badge exit${result.exitCode}` }, `${escapeXml(text)} (exit ${result.exitCode})`);
}

function keyValueTable(rows: Array<[string, string]>): string {
  const cells = rows.map(([key, value]) => {
    const shown = key === 'replay' ? `<code>${escapeXml(value)}</code>` : escapeXml(value);
    return `<tr><th>${escapeXml(key)}</th><td>${shown}</td></tr>`;
  });
  return `<table class="kv">${cells.join('')}</table>`;
}

/** The scenario's steps in order (a counterexample's minimal schedule), as a numbered list. */
function scheduleList(result: RunResult): string {
  const lines = scheduleLines(result);
  if (lines.length === 0) return '<p>The scenario has no steps.</p>';
  const items = lines.map((line) => `<li>${escapeXml(line.replace(/^\d+\. /, ''))}</li>`);
  return `<ol class="schedule">${items.join('')}</ol>`;
}

function statusCell(status: string, failed: boolean): string {
  return `<td class="status ${failed ? 'bad' : status === 'skip' ? 'skip' : 'good'}">${escapeXml(status)}</td>`;
}

function evidenceList(verdict: Verdict): string {
  if (verdict.evidence.length === 0) return '';
  const items = verdict.evidence.map(
    (event) => `<li><a href="#diagram" data-goto="${event.i}">${escapeXml(evidenceText(event))}</a></li>`,
  );
  return `<ul class="evidence">${items.join('')}</ul>`;
}

function verdictTable(verdicts: readonly Verdict[]): string {
  const rows = verdicts.map(
    (verdict) =>
      `<tr data-checker="${escapeXml(verdict.checker)}">` +
      `<td>${escapeXml(verdict.checker)}</td><td>${verdict.kind}</td>${statusCell(verdict.status, verdict.status === 'fail')}` +
      `<td>${escapeXml(verdict.summary)}${evidenceList(verdict)}</td></tr>`,
  );
  return `<table><thead><tr><th>checker</th><th>kind</th><th>verdict</th><th>summary and evidence</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function expectationTable(result: RunResult): string {
  if (result.expectations.length === 0) return '<p>The scenario states no expectations.</p>';
  const rows = result.expectations.map(
    (outcome) =>
      `<tr><td>${escapeXml(outcome.expectation)}</td><td>${outcome.kind}</td>${statusCell(outcome.holds ? 'holds' : 'broken', !outcome.holds)}` +
      `<td>${escapeXml(outcome.detail)}</td></tr>`,
  );
  return `<table><thead><tr><th>expectation</th><th>kind</th><th></th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function htmlTable(table: Table): string {
  const head = table.headers.map((header) => `<th>${escapeXml(header)}</th>`).join('');
  const rows = table.rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`)
    .join('');
  const caption = table.caption === undefined ? '' : `<p class="caption">${escapeXml(table.caption)}</p>`;
  return `<h3>${escapeXml(table.title)}</h3>${caption}<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function diagramSection(diagram: SpaceTimeDiagram): string {
  const note = diagram.note === null ? '' : `<p class="note" data-kind="truncated">${escapeXml(diagram.note)}</p>`;
  const types = diagram.typeColors
    .map(
      ({ type, color, count, hidden }) =>
        `<label class="type"><input type="checkbox" data-type-toggle="${escapeXml(type)}"${hidden ? '' : ' checked'}>` +
        `<i style="background:${color}"></i>${escapeXml(type)} (${count})</label>`,
    )
    .join('');
  const hidden = diagram.typeColors.filter((entry) => entry.hidden).map((entry) => entry.type);
  const hiddenNote =
    hidden.length === 0
      ? ''
      : ` ${hidden.join(', ')} ${hidden.length === 1 ? 'is' : 'are'} hidden at first: the most frequent type, over a third of all messages, ` +
        'they would drown the rest; tick the box to show them.';
  return (
    `<p class="caption">Time flows down; long quiet stretches are shortened (marked ⋯ with their length). ` +
    `Hover over anything for its details. ${diagram.arrowsDrawn} of ${diagram.arrowsTotal} received messages drawn.${escapeXml(hiddenNote)}</p>` +
    note +
    `<div class="legend">${LEGEND}</div><div class="legend types">message types (untick to hide): ${types}</div>` +
    `<div class="diagram"><div class="pin">${diagram.headerSvg}</div>${diagram.bodySvg}</div>`
  );
}

function chartsSection(result: RunResult): string {
  const latency = latencyChart(result.history);
  const throughput = throughputChart(result.history);
  if (latency === null || throughput === null) return '<p>Nothing was delivered, so there is nothing to chart.</p>';
  return (
    `<h3>Delivery latency over virtual time</h3><p class="caption">One dot per delivery, coloured by node.</p>${latency}` +
    `<h3>Throughput</h3><p class="caption">Deliveries at all nodes per second of virtual time, in ${throughput.bucketMs} ms buckets.</p>${throughput.svg}`
  );
}

function filesList(): string {
  const items = REPORT_FILES.map((file) => {
    const code = file.code === undefined ? '' : ` <code>${escapeXml(file.code)}</code>`;
    return `<li><a href="${file.name}">${file.name}</a>: ${escapeXml(file.what)}${code}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

const LEGEND = [
  '<span><svg width="34" height="12"><path d="M2,3 L30,9" stroke="#334155" stroke-width="1.5"/></svg>message (send to receive)</span>',
  '<span><svg width="16" height="12"><circle cx="8" cy="6" r="4.5" class="m-deliver"/></svg>delivery, #k = k-th at that node</span>',
  '<span><svg width="16" height="14"><path d="M8,0 L10,5 L15,5 L11,8 L13,13 L8,10 L3,13 L5,8 L1,5 L6,5 Z" class="m-election"/></svg>leader / primary</span>',
  '<span><svg width="14" height="12"><rect x="3" y="2" width="8" height="8" class="m-submit"/></svg>submit</span>',
  '<span><b class="drop-x">✕</b> dropped (reason)</span>',
  '<span><b class="dup-badge">×2</b> duplicated</span>',
  '<span><svg width="14" height="14"><rect x="2" y="0" width="10" height="14" class="shade down"/></svg>down</span>',
  '<span><svg width="14" height="14"><rect x="2" y="0" width="10" height="14" class="shade paused"/></svg>paused</span>',
  '<span><svg width="22" height="14"><rect x="0" y="0" width="22" height="14" class="band partition"/></svg>partition / cut</span>',
].join('');

const STYLE = `
:root { color-scheme: light; --ink: #0f172a; --muted: #475569; --line: #cbd5e1; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 24px auto; max-width: 1280px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 12px 0 0; display: inline-block; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 4px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f1f5f9; }
table.kv th { background: #f8fafc; white-space: nowrap; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f5f9; padding: 1px 4px; }
.caption, .note { color: var(--muted); margin: 2px 0 8px; }
.note { color: #92400e; background: #fef3c7; padding: 6px 10px; }
.badge { padding: 3px 10px; border-radius: 12px; font-weight: 600; vertical-align: 4px; }
.exit0 { background: #dcfce7; color: #166534; } .exit1 { background: #fee2e2; color: #991b1b; } .exit2 { background: #ffedd5; color: #9a3412; }
td.status { font-weight: 600; } td.good { color: #166534; } td.bad { color: #b91c1c; } td.skip { color: var(--muted); }
ul.evidence { margin: 4px 0 0; padding-left: 18px; font-size: 13px; }
ul.evidence a { color: inherit; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: var(--muted); font-size: 13px; margin: 4px 0; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
.legend .type { cursor: pointer; }
.legend .type i { display: inline-block; width: 16px; height: 4px; }
ol.schedule { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; margin: 4px 0; }
/* The page scrolls, not a box inside it: a print or a full-page screenshot shows the whole run. */
.diagram { width: max-content; border: 1px solid var(--line); background: #fff; }
.pin { position: sticky; top: 0; background: rgba(255,255,255,0.95); border-bottom: 1px solid var(--line); z-index: 1; width: max-content; }
.space-time .off { display: none; }
@media print { .pin { position: static; } .legend input { display: none; } }
svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
.lane-label { font-size: 13px; font-weight: 600; text-anchor: middle; }
.lane-line { stroke: #94a3b8; stroke-width: 1.5; }
.time-label, .gap-label { fill: var(--muted); font-size: 10.5px; }
.tick { stroke: #94a3b8; }
.gap-line { stroke: #cbd5e1; stroke-dasharray: 2 4; }
.gap-label { font-style: italic; }
.phase-line { stroke: #16a34a; stroke-width: 1.2; stroke-dasharray: 8 4; }
.phase-label { fill: #166534; font-size: 10.5px; font-weight: 600; }
.arrow-line { fill: none; stroke-width: 1.4; opacity: 0.85; }
.arrow-line.again { stroke-dasharray: 5 3; }
.hit { fill: none; stroke: transparent; stroke-width: 9; }
[data-kind="arrow"]:hover .arrow-line { stroke-width: 3; opacity: 1; }
.drop-line { fill: none; stroke: #dc2626; stroke-width: 1.3; stroke-dasharray: 4 3; }
.drop-x { fill: #dc2626; color: #dc2626; font-size: 13px; font-weight: 700; }
.drop-reason { fill: #b91c1c; font-size: 10px; }
.dup-badge { fill: #7c3aed; color: #7c3aed; font-size: 11px; font-weight: 700; }
.in-flight { fill: none; stroke: #64748b; stroke-dasharray: 1 3; }
.shade.down { fill: url(#hatch-down); stroke: #6b7280; }
.shade.paused { fill: #fde68a; stroke: #d97706; }
.shade.not-joined { fill: #f1f5f9; stroke: #cbd5e1; }
.band { opacity: 0.35; }
.band.partition { fill: #fdba74; } .band.cut { fill: #fca5a5; } .band.hold { fill: #c4b5fd; }
.band-label { fill: #9a3412; font-size: 10.5px; }
.m-deliver { fill: #16a34a; stroke: #fff; stroke-width: 1; }
.m-election { fill: #f59e0b; stroke: #92400e; stroke-width: 0.8; }
.m-submit { fill: #0ea5e9; }
.m-announce { fill: #94a3b8; }
.m-crash { fill: #111827; font-size: 15px; font-weight: 700; }
.m-restart, .m-join { fill: #16a34a; } .m-pause, .m-resume { fill: #d97706; }
.label { font-size: 10.5px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.l-election, .l-crash { font-weight: 700; }
.flash { animation: flash 1.2s ease-in-out 2; }
@keyframes flash { 50% { opacity: 0.15; } }
.chart .axis { stroke: #64748b; } .chart .grid { stroke: #e2e8f0; }
.chart .tick-label { fill: var(--muted); font-size: 10.5px; } .chart .axis-label { fill: var(--muted); font-size: 11px; }
.chart .bar { fill: #60a5fa; } .chart .dot { opacity: 0.8; }
.tip { position: fixed; z-index: 10; max-width: 520px; background: #0f172a; color: #f8fafc; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; pointer-events: none; }
`;

/** Tooltips: <title> gives one without script; with script, a faster styled one replaces it. */
const SCRIPT = `
(function () {
  var tip = document.getElementById('tip');
  var titles = document.querySelectorAll('svg title');
  for (var k = 0; k < titles.length; k++) {
    var holder = titles[k].parentNode;
    holder.setAttribute('data-tip', titles[k].textContent);
    holder.removeChild(titles[k]);
  }
  document.addEventListener('mouseover', function (event) {
    var target = event.target.closest ? event.target.closest('[data-tip]') : null;
    if (!target) { tip.hidden = true; return; }
    tip.textContent = target.getAttribute('data-tip');
    tip.hidden = false;
  });
  document.addEventListener('mousemove', function (event) {
    if (tip.hidden) return;
    var x = event.clientX + 14, y = event.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth - 8) x = event.clientX - tip.offsetWidth - 14;
    if (y + tip.offsetHeight > window.innerHeight - 8) y = event.clientY - tip.offsetHeight - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  });
  var toggles = document.querySelectorAll('input[data-type-toggle]');
  for (var t = 0; t < toggles.length; t++) {
    toggles[t].addEventListener('change', function () {
      var marks = document.querySelectorAll('svg.space-time [data-type]');
      var type = this.getAttribute('data-type-toggle');
      for (var m = 0; m < marks.length; m++) {
        if (marks[m].getAttribute('data-type') === type) marks[m].classList.toggle('off', !this.checked);
      }
    });
  }
  var links = document.querySelectorAll('a[data-goto]');
  for (var j = 0; j < links.length; j++) {
    links[j].addEventListener('click', function (event) {
      var found = document.querySelector('svg.space-time [data-ev~="' + this.getAttribute('data-goto') + '"]');
      if (!found) return;
      event.preventDefault();
      if (found.classList.contains('off')) {
        var box = document.querySelector('input[data-type-toggle="' + found.getAttribute('data-type') + '"]');
        if (box) { box.checked = true; box.dispatchEvent(new Event('change')); }
      }
      found.scrollIntoView({ block: 'center', inline: 'center' });
      found.classList.remove('flash');
      void found.getBoundingClientRect();
      found.classList.add('flash');
    });
  }
})();
`;
