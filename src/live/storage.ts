import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from './crc32.ts';
import { invariant } from '../core/assert.ts';
import type { Json } from '../core/json.ts';

/**
 * The node's storage failed or is damaged: a full disk, a read-only file system, a permission, a record that fails
 * its checksum. A person has to look; the CLI exits with EXIT_STORAGE (74) and this message, never a stack trace.
 */
export class StorageError extends Error {
  constructor(
    message: string,
    /** The errno code (ENOSPC, EROFS, EACCES, ...) when the operating system refused, else null. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Files only this user may read or write; the data directory likewise. */
export const FILE_MODE = 0o600;
export const DIRECTORY_MODE = 0o700;

const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an I/O error from the device',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a path component is not a directory',
};

/** An operating-system error while doing `what`, as a StorageError with words for the usual causes. */
export function storageErrorOf(error: unknown, what: string): StorageError {
  const code = (error as NodeJS.ErrnoException | null)?.code ?? null;
  const words =
    code === null ? ((error as Error)?.message ?? String(error)) : `${ERRNO_WORDS[code] ?? 'error'} (${code})`;
  return new StorageError(`cannot ${what}: ${words}`, code);
}

/** Runs a file operation; an OS error becomes a StorageError that says what was being done. */
export function onDisk<T>(what: string, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw storageErrorOf(error, what);
  }
}

/** Writes every byte (writeSync may write fewer than asked). */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset, bytes.length - offset);
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

/** Creates the data directory (0700) if it is missing. */
export function prepareDataDirectory(path: string): void {
  onDisk(`create the data directory ${path}`, () => mkdirSync(path, { recursive: true, mode: DIRECTORY_MODE }));
}

/**
 * One line of the log: a protocol's record, or one of the host's own (a delivery it must hand to the
 * application, even after a crash; see LiveNode).
 */
export type LogLine = { kind: 'record' | 'host'; value: Json };

export interface Recovery {
  lines: LogLine[];
  /** Bytes cut off the end (a torn or garbled last record); 0 when the log was whole. */
  cutBytes: number;
  /** One line saying what was cut, or null. */
  note: string | null;
}

/**
 * Each line is {"record":<JSON>,"crc32":"<8 hex>"} (or "host" for the host's own lines), the CRC-32 taken over
 * the exact bytes of the JSON between the prefix and the suffix, so a flipped letter anywhere is found.
 */
const PREFIXES: Record<LogLine['kind'], string> = { record: '{"record":', host: '{"host":' };
const SUFFIX_PATTERN = /,"crc32":"([0-9a-f]{8})"}$/;
const SUFFIX_CHARS = 20;

function crcHex(text: string): string {
  return crc32(Buffer.from(text, 'utf8')).toString(16).padStart(8, '0');
}

export function encodeLogLine(line: LogLine): string {
  const text = JSON.stringify(line.value);
  invariant(text !== undefined, 'a log line holds JSON data');
  return `${PREFIXES[line.kind]}${text},"crc32":"${crcHex(text)}"}`;
}

function decodeLogLine(bytes: Uint8Array): LogLine | null {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return null;
  }
  const suffix = SUFFIX_PATTERN.exec(text);
  if (suffix === null) return null;
  for (const kind of ['record', 'host'] as const) {
    if (!text.startsWith(PREFIXES[kind])) continue;
    const inner = text.slice(PREFIXES[kind].length, -SUFFIX_CHARS);
    if (crcHex(inner) !== suffix[1]) return null;
    try {
      return { kind, value: JSON.parse(inner) as Json };
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * The node's append-only log. `write` hands lines to the kernel, `sync` makes everything written durable
 * (fdatasync); the host writes every handler of a batch, then syncs once (group commit), before any of their
 * messages, deliveries or acks leave the process.
 */
export class DurableLog {
  private fd: number | null;
  /** Lines in the file (recovered plus written). */
  count: number;

  private constructor(
    readonly path: string,
    recovered: number,
  ) {
    const created = !existsSync(path);
    this.fd = onDisk(`open the log ${path}`, () => openSync(path, 'a', FILE_MODE));
    if (created) syncDirectory(dirname(path));
    this.count = recovered;
  }

  /**
   * Recovers every complete record, cutting a torn last line off the file, then opens it for appending.
   * `syncedLines` lines are known to have been synced (the boot file says so): a bad one among them is damage,
   * never a torn write, and is refused rather than cut.
   */
  static open(path: string, syncedLines = 0): { log: DurableLog; recovery: Recovery } {
    const recovery = existsSync(path) ? recover(path, syncedLines) : { lines: [], cutBytes: 0, note: null };
    return { log: new DurableLog(path, recovery.lines.length), recovery };
  }

  write(lines: readonly LogLine[]): void {
    invariant(this.fd !== null, `the log ${this.path} is closed`);
    if (lines.length === 0) return;
    const fd = this.fd;
    onDisk(`write the log ${this.path}`, () => writeAll(fd, lines.map((line) => encodeLogLine(line) + '\n').join('')));
    this.count += lines.length;
  }

  sync(): void {
    invariant(this.fd !== null, `the log ${this.path} is closed`);
    const fd = this.fd;
    onDisk(`sync the log ${this.path}`, () => fdatasyncSync(fd));
  }

  /** write + sync: durable when it returns. */
  append(lines: readonly LogLine[]): void {
    this.write(lines);
    if (lines.length > 0) this.sync();
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A crash mid-write leaves at most the tail unfinished (appends are sequential; a batch is synced before the next
 * is written), so an unfinished or bad last line is cut, and said so. A bad line with good ones after it is not a
 * torn write but damage; cutting there would throw away records that were promised durable, so recovery refuses
 * and names the line.
 */
function recover(path: string, syncedLines: number): Recovery {
  // A device or a pipe would be read forever (/dev/full yields zeros without end): only a plain file is a log.
  if (!onDisk(`inspect the log ${path}`, () => statSync(path).isFile()))
    throw new StorageError(`${path} is not a regular file`);
  const bytes = onDisk(`read the log ${path}`, () => readFileSync(path));
  const starts = lineStarts(bytes);
  const lines: LogLine[] = [];
  let goodBytes = starts.length === 0 ? 0 : starts[starts.length - 1].end + 1;
  for (let index = 0; index < starts.length; index += 1) {
    const line = decodeLogLine(bytes.subarray(starts[index].start, starts[index].end));
    if (line !== null) {
      lines.push(line);
      continue;
    }
    if (index < starts.length - 1 || index < syncedLines) {
      throw new StorageError(
        `${path}: record ${index + 1} (line ${index + 1}, bytes ${starts[index].start}-${starts[index].end}) fails its checksum ` +
          `or is not a record, yet ${index < starts.length - 1 ? `${starts.length - index - 1} records follow it` : `${syncedLines} records were synced`}; ` +
          'the log is damaged, not torn, so it is not cut automatically: restore it from a copy, or move it away to start this node empty',
      );
    }
    goodBytes = starts[index].start;
  }
  const cutBytes = bytes.length - goodBytes;
  if (cutBytes === 0) return { lines, cutBytes, note: null };
  onDisk(`cut the torn tail of the log ${path}`, () => {
    truncateSync(path, goodBytes);
    const fd = openSync(path, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  });
  const note = `log ${path}: cut ${cutBytes} bytes of a torn last record (a crash mid-write); recovered ${lines.length} records`;
  return { lines, cutBytes, note };
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

/** The lines of a log file as they are, for tests and tools: throws StorageError on damage, never cuts. */
export function readLog(path: string): LogLine[] {
  const bytes = readFileSync(path);
  return lineStarts(bytes).map(({ start, end }, index) => {
    const line = decodeLogLine(bytes.subarray(start, end));
    if (line === null) throw new StorageError(`${path}: record ${index + 1} fails its checksum`);
    return line;
  });
}

/** What DIR/node-<id>.boot holds: how many times this node has booted, and whether the last run is still on. */
export interface BootState {
  boot: number;
  protocol: string;
  /** True from start to a clean stop: found true at start-up, the previous run was killed or crashed. */
  running: boolean;
  /**
   * Lines the log held when this file was written (at start and at a clean stop). A log found shorter lost
   * records no checksum can show (cut on a line boundary), and the node refuses to start on it.
   */
  logLines: number;
}

export function readBootState(path: string): BootState | null {
  if (!existsSync(path)) return null;
  let value: unknown;
  try {
    value = JSON.parse(onDisk(`read ${path}`, () => readFileSync(path, 'utf8')));
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(`${path} is not the JSON this node writes; move it away (the boot counter restarts at 1)`);
  }
  const state = value as Partial<BootState>;
  if (!Number.isSafeInteger(state.boot) || (state.boot as number) < 1 || typeof state.protocol !== 'string') {
    throw new StorageError(`${path} does not hold a boot counter; move it away (the boot counter restarts at 1)`);
  }
  const logLines =
    Number.isSafeInteger(state.logLines) && (state.logLines as number) >= 0 ? (state.logLines as number) : 0;
  return { boot: state.boot as number, protocol: state.protocol, running: state.running === true, logLines };
}

/** Replaces the boot file atomically: a crash leaves either the old or the new counter, never half of one. */
export function writeBootState(path: string, state: BootState): void {
  const temporary = `${path}.tmp`;
  onDisk(`write ${path}`, () => {
    const fd = openSync(temporary, 'w', FILE_MODE);
    try {
      writeAll(fd, JSON.stringify(state) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  });
  syncDirectory(dirname(path));
}
