/**
 * Progress of a long search on stderr: rewritten in place on a terminal, a line every few seconds otherwise (CI
 * logs), never on stdout, which carries the result.
 */
export class Progress {
  private runs = 0;
  private violations = 0;
  private readonly startedMs = Date.now();
  private lastShownMs = 0;
  private readonly interactive = process.stderr.isTTY === true;

  constructor(
    private readonly write: (text: string) => void,
    private readonly total: number,
  ) {}

  tick(violations: number): void {
    this.runs += 1;
    this.violations = violations;
    const nowMs = Date.now();
    if (nowMs - this.lastShownMs < (this.interactive ? 200 : 5_000)) return;
    this.lastShownMs = nowMs;
    this.show(nowMs);
  }

  done(): void {
    if (this.interactive && this.lastShownMs > 0) this.write('\r\x1b[K');
  }

  private show(nowMs: number): void {
    const seconds = Math.max((nowMs - this.startedMs) / 1000, 0.001);
    const line = `  ${this.runs}/${this.total} runs, ${(this.runs / seconds).toFixed(0)} runs/s, ${this.violations} violations`;
    this.write(this.interactive ? `\r\x1b[K${line}` : `${line}\n`);
  }
}
