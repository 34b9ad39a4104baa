import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import { FILE_MODE, onDisk, StorageError, writeAll } from './storage.ts';

/** A history event before the file gives it its place (`i`) and time (`t`). */
export type UnplacedEvent = HistoryEvent extends infer Event
  ? Event extends HistoryEvent
    ? Omit<Event, 'i' | 't'>
    : never
  : never;

export const LIVE_HISTORY_FORMAT = 'tob-lab-live-history/1';

export interface LiveHistoryHeader {
  type: 'header';
  format: string;
  node: NodeId;
  nodes: NodeId[];
}

const TAIL_CHUNK_BYTES = 64 * 1024;

/**
 * One node's history, DIR/node-<id>.history.jsonl: a header, then one event a line with `t` = Date.now() (epoch
 * ms, so the files of several processes merge on one time line) and `i` counting on across restarts. Lines are
 * written with one write call each and not fsync'd: the history is an observation, and the kernel keeps what a
 * killed process wrote; only a machine crash can tear its tail, which the next start cuts off.
 */
export class HistoryFile {
  private fd: number | null;
  private nextIndex: number;
  /** `t` of the last event written before this run, if any: when the previous run was last seen alive. */
  readonly previousLastMs: number | null;

  constructor(
    readonly path: string,
    node: NodeId,
    nodes: readonly NodeId[],
  ) {
    const fd = onDisk(`open the history ${path}`, () => openSync(path, 'a+', FILE_MODE));
    this.fd = fd;
    const tail = onDisk(`read the history ${path}`, () => readLastLine(fd));
    if (tail.cutBytes > 0) onDisk(`cut the torn tail of the history ${path}`, () => ftruncateSync(fd, tail.keepBytes));
    const last = parseLine(tail.line);
    if (last === null) {
      const header: LiveHistoryHeader = { type: 'header', format: LIVE_HISTORY_FORMAT, node, nodes: [...nodes] };
      if (tail.keepBytes === 0) onDisk(`write the history ${path}`, () => writeAll(fd, JSON.stringify(header) + '\n'));
      this.nextIndex = 0;
      this.previousLastMs = null;
    } else {
      this.nextIndex = typeof last.i === 'number' ? last.i + 1 : 0;
      this.previousLastMs = typeof last.t === 'number' ? last.t : null;
    }
  }

  /**
   * Writes the event and returns it with its place; `atMs` overrides the time (a crash dated when last seen).
   * A failed write (a full disk) never throws into whoever recorded: the file stops, and `failure` says why, for
   * the host to stop on.
   */
  record(event: UnplacedEvent, atMs?: number): HistoryEvent {
    const placed = { ...event, i: this.nextIndex, t: atMs ?? Date.now() } as HistoryEvent;
    this.nextIndex += 1;
    if (this.fd !== null && this.failure === null) {
      try {
        writeAll(this.fd, JSON.stringify(placed) + '\n');
      } catch (error) {
        this.failure = onDiskError(error, this.path);
        this.onFailure?.(this.failure);
      }
    }
    return placed;
  }

  /** Set when a write failed; nothing is written after it. */
  failure: StorageError | null = null;
  onFailure: ((error: StorageError) => void) | null = null;

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

function onDiskError(error: unknown, path: string): StorageError {
  try {
    return onDisk(`write the history ${path}`, () => {
      throw error;
    });
  } catch (wrapped) {
    return wrapped as StorageError;
  }
}

/**
 * How many deliveries of `node` the history holds: what this node has handed to the application so far, the
 * cursor that tells a restarted node which logged deliveries it still owes (see LiveNode).
 */
export function countDeliveries(path: string, node: NodeId): number {
  if (!existsSync(path)) return 0;
  // A device would be read forever (/dev/full yields zeros without end): only a plain file is a history.
  if (!onDisk(`inspect the history ${path}`, () => statSync(path).isFile()))
    throw new StorageError(`${path} is not a regular file`);
  const text = onDisk(`read the history ${path}`, () => readFileSync(path, 'utf8'));
  const prefix = `{"type":"deliver","node":${node},`;
  let count = 0;
  for (let at = text.indexOf(prefix); at !== -1; at = text.indexOf(prefix, at + prefix.length)) {
    if (at === 0 || text.charCodeAt(at - 1) === 0x0a) count += 1;
  }
  return count;
}

function parseLine(line: string | null): { i?: unknown; t?: unknown; type?: unknown } | null {
  if (line === null) return null;
  try {
    const value = JSON.parse(line) as { i?: unknown; t?: unknown; type?: unknown } | null;
    return value !== null && typeof value === 'object' && value.type !== 'header' ? value : null;
  } catch {
    return null;
  }
}

/**
 * The last newline-terminated line of the file, read backwards in chunks, and how much of the file to keep
 * (everything up to and including the last newline: bytes after it are a torn write).
 */
function readLastLine(fd: number): { line: string | null; keepBytes: number; cutBytes: number } {
  const size = fstatSync(fd).size;
  const chunks: Buffer[] = [];
  let lastNewline = -1;
  for (let end = size; end > 0 && lastNewline < 0;) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const chunk = Buffer.alloc(end - start);
    readSync(fd, chunk, 0, chunk.length, start);
    const at = chunk.lastIndexOf(0x0a);
    if (at >= 0) lastNewline = start + at;
    end = start;
  }
  const keepBytes = lastNewline + 1;
  if (keepBytes === 0) return { line: null, keepBytes: 0, cutBytes: size };
  let lineStart = 0;
  for (let end = lastNewline; end > 0;) {
    const start = Math.max(0, end - TAIL_CHUNK_BYTES);
    const chunk = Buffer.alloc(end - start);
    readSync(fd, chunk, 0, chunk.length, start);
    chunks.unshift(chunk);
    const at = chunk.lastIndexOf(0x0a);
    if (at >= 0) {
      lineStart = start + at + 1;
      break;
    }
    end = start;
  }
  const joined = Buffer.concat(chunks);
  const offset = lineStart - (lastNewline - joined.length);
  return { line: joined.subarray(offset).toString('utf8'), keepBytes, cutBytes: size - keepBytes };
}
