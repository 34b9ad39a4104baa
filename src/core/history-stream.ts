import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { invariant } from './assert.ts';
import { forEachJsonlChunk, historyEventLine, historyHeaderLine, type History, type HistoryEvent } from './history.ts';
import type { NodeId } from './ids.ts';

/** Lines are gathered up to this many characters before one write: one syscall per some thousand events. */
const FLUSH_CHARS = 1 << 20;
/**
 * Every this many events the writer notes the file offset of the next line (flushing first), so an event can be
 * read back by position by reading at most one block: 8 bytes of memory per block of some 500 KiB of JSONL.
 */
const BLOCK_EVENTS = 4096;
/** Bytes read at a time when reading a block back. */
const READ_BYTES = 1 << 16;

/**
 * Writes a history to a JSONL file as it is made (the simulator's streaming mode), with the same bytes
 * historyToJsonl gives for the whole history at the end. `write` is the simulator's `stream` callback.
 * `eventAt` reads an event back from the file by position, for the few events a verdict shows as evidence.
 */
export class HistoryFileWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  /** Bytes written to the file so far. */
  private written = 0;
  /** The file offset of event k * BLOCK_EVENTS, for each k so far. */
  private readonly blockOffsets: number[] = [];
  /** Events written so far. */
  events = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    nodes: readonly NodeId[],
  ) {
    this.fd = openSync(path, 'w');
    this.append(historyHeaderLine(nodes));
  }

  readonly write = (event: HistoryEvent): void => {
    if (this.events % BLOCK_EVENTS === 0) {
      this.flush();
      this.blockOffsets.push(this.written);
    }
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

  /** The event written at position `i` (the i-th event given to `write`, counting from 0), read from the file. */
  eventAt(i: number): HistoryEvent {
    invariant(Number.isSafeInteger(i) && i >= 0 && i < this.events, `no event at position ${i} in ${this.path}`);
    if (!this.closed) this.flush();
    const block = Math.floor(i / BLOCK_EVENTS);
    let skip = i - block * BLOCK_EVENTS;
    const fd = openSync(this.path, 'r');
    try {
      const buffer = Buffer.alloc(READ_BYTES);
      let offset = this.blockOffsets[block];
      let carried = Buffer.alloc(0);
      for (;;) {
        const read = readSync(fd, buffer, 0, READ_BYTES, offset);
        invariant(read > 0, `${this.path} ends before event ${i}`);
        offset += read;
        let text = Buffer.concat([carried, buffer.subarray(0, read)]);
        for (let newline = text.indexOf(10); newline >= 0; newline = text.indexOf(10)) {
          if (skip === 0) return JSON.parse(text.subarray(0, newline).toString('utf8')) as HistoryEvent;
          skip -= 1;
          text = text.subarray(newline + 1);
        }
        carried = Buffer.from(text);
      }
    } finally {
      closeSync(fd);
    }
  }

  private append(line: string): void {
    if (this.closed) throw new Error('the history file is closed: no more events can be written to it');
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.written += writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** Writes the JSONL text of a history to a file, chunk by chunk (see forEachJsonlChunk). */
export function writeHistoryJsonl(history: History, file: string): void {
  const fd = openSync(file, 'w');
  try {
    forEachJsonlChunk(history, (chunk) => {
      writeSync(fd, chunk);
    });
  } finally {
    closeSync(fd);
  }
}
