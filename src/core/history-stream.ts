import { closeSync, openSync, writeSync } from 'node:fs';
import { historyEventLine, historyHeaderLine, type HistoryEvent } from './history.ts';
import type { NodeId } from './ids.ts';

/** Lines are gathered up to this many characters before one write: one syscall per some thousand events. */
const FLUSH_CHARS = 1 << 20;

/**
 * Writes a history to a JSONL file as it is made (the simulator's streaming mode), with the same bytes
 * historyToJsonl gives for the whole history at the end. `write` is the simulator's `stream` callback.
 */
export class HistoryFileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  /** Events written so far. */
  events = 0;
  private closed = false;

  constructor(path: string, nodes: readonly NodeId[]) {
    this.fd = openSync(path, 'w');
    this.append(historyHeaderLine(nodes));
  }

  readonly write = (event: HistoryEvent): void => {
    this.events += 1;
    this.append(historyEventLine(event));
  };

  /** Writes what is buffered and closes the file; the writer takes no more events. */
  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  private append(line: string): void {
    if (this.closed) throw new Error('the history file is closed: no more events can be written to it');
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
}
