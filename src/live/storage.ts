import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { invariant } from '../core/assert.ts';
import type { Json } from '../core/json.ts';

/** The node's files are damaged in a way that cutting a torn last line cannot fix; a person has to look. */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Writes every byte (writeSync may write fewer than asked). */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Makes a new file's directory entry durable; some platforms cannot open a directory, and then there is no need. */
export function syncDirectory(path: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and a few file systems refuse; their rename/create is durable through other means.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export interface Recovery {
  records: Json[];
  /** Bytes cut off the end (a torn or garbled last record); 0 when the log was whole. */
  cutBytes: number;
  /** One line saying what was cut, or null. */
  note: string | null;
}

/**
 * The node's append-only log: one JSON record a line. `append` returns only after the bytes are on disk
 * (fdatasync), so whatever a handler persisted is durable before its messages and acks leave the process.
 */
export class DurableLog {
  private fd: number | null;

  private constructor(readonly path: string) {
    const created = !existsSync(path);
    this.fd = openSync(path, 'a');
    if (created) syncDirectory(dirname(path));
  }

  /** Recovers every complete record, cutting a torn last line off the file, then opens it for appending. */
  static open(path: string): { log: DurableLog; recovery: Recovery } {
    const recovery = existsSync(path) ? recover(path) : { records: [], cutBytes: 0, note: null };
    return { log: new DurableLog(path), recovery };
  }

  append(records: readonly Json[]): void {
    invariant(this.fd !== null, `the log ${this.path} is closed`);
    if (records.length === 0) return;
    writeAll(this.fd, records.map((record) => JSON.stringify(record) + '\n').join(''));
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A crash mid-write leaves at most the last line incomplete (appends are sequential and synced one handler at a
 * time), so an unfinished or unparseable last line is cut. A bad line with good ones after it is not a torn write
 * but damage; cutting there would throw away records that were promised durable, so recovery refuses instead.
 */
function recover(path: string): Recovery {
  const bytes = readFileSync(path);
  const starts = lineStarts(bytes);
  const records: Json[] = [];
  let goodBytes = starts.length === 0 ? 0 : starts[starts.length - 1].end + 1;
  for (let index = 0; index < starts.length; index += 1) {
    const parsed = parseRecord(bytes.subarray(starts[index].start, starts[index].end));
    if (parsed.ok) {
      records.push(parsed.value);
      continue;
    }
    if (index < starts.length - 1) {
      throw new StorageError(
        `${path}: line ${index + 1} is not a JSON record, yet ${starts.length - index - 1} lines follow it; ` +
          'the log is damaged before its end, so it is not cut automatically: move the file away or repair that line',
      );
    }
    goodBytes = starts[index].start;
  }
  const cutBytes = bytes.length - goodBytes;
  if (cutBytes === 0) return { records, cutBytes, note: null };
  truncateSync(path, goodBytes);
  const fd = openSync(path, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  const note = `log ${path}: cut ${cutBytes} bytes of a torn last record (a crash mid-write); recovered ${records.length} records`;
  return { records, cutBytes, note };
}

/** The byte ranges of the newline-terminated lines (an unterminated tail is not a line). */
function lineStarts(bytes: Buffer): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0, end = bytes.indexOf(0x0a); end !== -1; start = end + 1, end = bytes.indexOf(0x0a, start)) {
    ranges.push({ start, end });
  }
  return ranges;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function parseRecord(line: Uint8Array): { ok: true; value: Json } | { ok: false } {
  try {
    const text = strictUtf8.decode(line);
    if (text.trim() === '') return { ok: false };
    return { ok: true, value: JSON.parse(text) as Json };
  } catch {
    return { ok: false };
  }
}

/** What DIR/node-<id>.boot holds: how many times this node has booted, and whether the last run is still on. */
export interface BootState {
  boot: number;
  protocol: string;
  /** True from start to a clean stop: found true at start-up, the previous run was killed or crashed. */
  running: boolean;
}

export function readBootState(path: string): BootState | null {
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new StorageError(`${path} is not the JSON this node writes; move it away (the boot counter restarts at 1)`);
  }
  const state = value as Partial<BootState>;
  if (!Number.isSafeInteger(state.boot) || (state.boot as number) < 1 || typeof state.protocol !== 'string') {
    throw new StorageError(`${path} does not hold a boot counter; move it away (the boot counter restarts at 1)`);
  }
  return { boot: state.boot as number, protocol: state.protocol, running: state.running === true };
}

/** Replaces the boot file atomically: a crash leaves either the old or the new counter, never half of one. */
export function writeBootState(path: string, state: BootState): void {
  const temporary = `${path}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    writeAll(fd, JSON.stringify(state) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  syncDirectory(dirname(path));
}
