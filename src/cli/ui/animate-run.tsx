/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { render } from 'ink';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult, RunSnapshot } from '../../scenarios/runner.ts';
import { RunView } from './run-view.tsx';

export interface AnimateOptions {
  title: string;
  run: Generator<RunSnapshot, RunResult>;
  /** Virtual milliseconds between two frames (the run's chunk). */
  chunkMs: number;
  /** Virtual seconds shown per real second; 0 draws as fast as it runs. */
  speed: number;
  footer: (result: RunResult) => string[];
  /** The terminal's size, which the final frame fits (default 80 x 24). */
  columns?: number;
  rows?: number;
}

/** Draws a run with ink as it goes, then leaves the final frame (with the verdicts) on the screen. */
export async function animateRun(options: AnimateOptions): Promise<RunResult> {
  const view = render(<RunView title={options.title} snapshot={null} />);
  const pauseMs = options.speed > 0 ? options.chunkMs / options.speed : 0;
  let last: RunSnapshot | null = null;
  let step = options.run.next();
  for (; step.done !== true; step = options.run.next()) {
    last = step.value;
    view.rerender(<RunView title={options.title} snapshot={last} />);
    // Yield to the terminal even at full speed, so the frames reach the screen.
    await sleep(pauseMs);
  }
  const result = step.value;
  view.rerender(
    <RunView
      title={options.title}
      snapshot={last}
      verdicts={result.verdicts}
      expectations={result.expectations}
      footer={options.footer(result)}
      columns={options.columns}
      rows={options.rows}
    />,
  );
  view.unmount();
  await view.waitUntilExit();
  return result;
}
