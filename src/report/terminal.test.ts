import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../../test/support/history-builder.ts';
import type { History } from '../core/history.ts';
import { SPACE_TIME_MESSAGES_MAX, terminalCharts, textSpaceTime, withTerminalViews } from './terminal.ts';

function chat(): History {
  const builder = historyBuilder([1, 2, 3]);
  builder.at(1000).submit(1, 's1');
  builder.deliver(1, 's1');
  const [toTwo] = builder.transfer(1, 2, { type: 'CHAT' });
  builder.after(12).receive(2, 1, toTwo.msg);
  builder.deliver(2, 's1');
  const lost = builder.send(1, 3, undefined, { type: 'CHAT' });
  builder.add({ type: 'drop', node: 1, to: 3, msg: lost.msg, reason: 'loss' });
  builder.at(1500).transfer(3, 1, { type: 'ACK' });
  builder.transfer(2, 2, { type: 'TICK' });
  builder.at(2000).crash(3);
  builder.at(4000).phase('end');
  return builder.build();
}

describe('textSpaceTime', () => {
  it('draws messages as arrows between node columns, with their fate', () => {
    const lines = textSpaceTime(chat());
    expect(lines).not.toBeNull();
    const text = lines!.join('\n');
    expect(lines![0]).toMatch(/^ +time +node 1 +node 2 +node 3$/);
    expect(text).toMatch(/1\.000 s +1 ─+▶ 2 +│ +CHAT \+0 ms$/m);
    expect(text).toMatch(/1 ─+✕ 3 +CHAT dropped \(loss\)/);
    expect(text).toMatch(/1 ◀─+ 3 +ACK \+0 ms/);
    expect(text).toMatch(/2 ↺ +│ +TICK \+0 ms/);
    expect(text).toMatch(/● +│ +│ +node 1 delivers s1 \(#1\)/);
    expect(text).toMatch(/✕ +node 3 CRASH/);
  });

  it('keeps out of runs with more messages than it can show', () => {
    const builder = historyBuilder([1, 2]);
    for (let k = 0; k <= SPACE_TIME_MESSAGES_MAX; k += 1) builder.transfer(1, 2);
    expect(textSpaceTime(builder.build())).toBeNull();
    expect(textSpaceTime(historyBuilder([1, 2, 3, 4, 5, 6, 7]).build())).toBeNull();
  });
});

describe('terminalCharts', () => {
  it('fits the terminal width and draws nothing without deliveries', () => {
    for (const columns of [40, 80, 133]) {
      const lines = terminalCharts(chat(), columns);
      expect(lines.length).toBeGreaterThan(18);
      const plotted = lines.filter((line) => /[┼┤]/.test(line));
      expect(plotted).toHaveLength(18);
      for (const line of plotted) expect([...line].length).toBeLessThanOrEqual(columns);
    }
    const quiet = historyBuilder([1, 2]);
    quiet.transfer(1, 2);
    expect(terminalCharts(quiet.build(), 80)).toEqual([]);
  });
});

describe('withTerminalViews', () => {
  it('puts the views before the Checkers section, or at the end without one', () => {
    const report = 'head\n\nCheckers\n  pass x\n\nOK';
    const merged = withTerminalViews(report, chat(), 80);
    expect(merged.indexOf('Space-time')).toBeGreaterThan(merged.indexOf('head'));
    expect(merged.indexOf('Space-time')).toBeLessThan(merged.indexOf('Checkers'));
    expect(merged.endsWith('Checkers\n  pass x\n\nOK')).toBe(true);
    expect(withTerminalViews('no sections', chat(), 80)).toMatch(/^no sections\n\nSpace-time/);
    expect(withTerminalViews(report, historyBuilder([1]).build(), 80)).toBe(report);
  });
});
