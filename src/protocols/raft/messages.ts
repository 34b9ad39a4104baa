import { isNodeId, type NodeId, type SubmissionId } from '../../core/ids.ts';
import { isCount, isId } from '../shared/fields.ts';
import { WIRE_ENTRIES_MAX, WIRE_PAYLOAD_BYTES_MAX } from './options.ts';

/** A submission as its origin numbers it: seq counts 1, 2, 3... per origin node, durable at the origin. */
export type Forwarded = { seq: number; id: SubmissionId; payload: string };

/** A log entry carrying one submission. */
export type SubmissionEntry = { term: number; origin: NodeId; seq: number; id: SubmissionId; payload: string };
/** The entry a new leader appends at the start of its term, so that earlier terms' entries can commit (figure 8). */
export type NoopEntry = { term: number };
export type Entry = SubmissionEntry | NoopEntry;

export function isSubmissionEntry(entry: Entry): entry is SubmissionEntry {
  return 'id' in entry;
}

export type RaftMessage =
  /** RequestVote; with `pre` set it is a pre-vote for `term` (the sender's term + 1), which changes no state. */
  | { type: 'VOTE'; term: number; lastLogIndex: number; lastLogTerm: number; pre: boolean }
  | { type: 'VOTE_RESP'; term: number; granted: boolean; pre: boolean }
  | { type: 'APPEND'; term: number; prevLogIndex: number; prevLogTerm: number; entries: Entry[]; leaderCommit: number }
  /** On success `index` is the last index known to match the leader; on failure, where the leader should retry. */
  | { type: 'APPEND_RESP'; term: number; success: boolean; index: number }
  /** A node's own submissions that are not committed yet, sent to the leader it knows (origin = sender). */
  | { type: 'FORWARD'; submissions: Forwarded[] };

/** Durable records, one per line of the append-only log. */
export type RaftRecord =
  /** currentTerm and votedFor, written together whenever either changes. */
  | { kind: 'vote'; term: number; votedFor: NodeId | null }
  /** The log from index `from` on is `entries`: an append, and a truncation when `from` is inside the log. */
  | { kind: 'log'; from: number; entries: Entry[] }
  /** A submission accepted at this node, kept until it is applied so that it is retried after a restart. */
  | ({ kind: 'submit' } & Forwarded)
  /** Entries up to `index` were applied (delivered): never deliver them again after a restart. */
  | { kind: 'applied'; index: number };

/** Bytes of a value once JSON-encoded, as it travels on the wire and lies on disk. */
export function encodedBytes(value: unknown): number {
  return utf8Bytes(JSON.stringify(value));
}

/**
 * encodedBytes of a string, quotes and escapes included. Printable ASCII without a quote or backslash (every
 * payload and id of a usual run) is counted without encoding it: this runs for every entry a node logs and
 * every payload it checks.
 */
export function stringBytes(text: string): number {
  for (let k = 0; k < text.length; k += 1) {
    const code = text.charCodeAt(k);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return encodedBytes(text);
  }
  return text.length + 2;
}

/** encodedBytes of a number: its decimal digits for a whole number JSON writes without an exponent. */
function numberBytes(value: number): number {
  return Number.isSafeInteger(value) ? String(value).length : encodedBytes(value);
}

/**
 * encodedBytes of a log entry, summed from its fields instead of encoding it (on every append, on every node):
 * '{"term":' (8) ',"origin":' (10) ',"seq":' (7) ',"id":' (6) ',"payload":' (11) '}' (1), keys in any order.
 * Anything but the two entry shapes is encoded, so the count is always what the wire and the disk see.
 */
export function entryBytes(entry: Entry): number {
  const fields = Object.keys(entry).length;
  if (fields === 1 && typeof entry.term === 'number') return 9 + numberBytes(entry.term);
  if (fields !== 5 || !isSubmissionEntry(entry)) return encodedBytes(entry);
  const { term, origin, seq, id, payload } = entry;
  if (typeof term !== 'number' || typeof origin !== 'number' || typeof seq !== 'number') return encodedBytes(entry);
  if (typeof id !== 'string' || typeof payload !== 'string') return encodedBytes(entry);
  return 43 + numberBytes(term) + numberBytes(origin) + numberBytes(seq) + stringBytes(id) + stringBytes(payload);
}

/** encodedBytes of a forwarded submission: '{"seq":' (7) ',"id":' (6) ',"payload":' (11) '}' (1). */
export function forwardedBytes(submission: Forwarded): number {
  const { seq, id, payload } = submission;
  if (Object.keys(submission).length !== 3 || typeof seq !== 'number' || typeof id !== 'string')
    return encodedBytes(submission);
  if (typeof payload !== 'string') return encodedBytes(submission);
  return 25 + numberBytes(seq) + stringBytes(id) + stringBytes(payload);
}

/**
 * Bytes of `text` in UTF-8, counted without encoding it (on the hot path: every entry appended): what
 * TextEncoder would give, a lone surrogate counting as the 3 bytes of the replacement character it becomes.
 */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let k = 0; k < text.length; k += 1) {
    const code = text.charCodeAt(k);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && k + 1 < text.length) {
      const low = text.charCodeAt(k + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 2; // two code units, four bytes
        k += 1;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Exactly these keys, no others: an unknown key is a peer speaking another protocol (or garbage). Own enumerable
 * keys are counted with for-in (the keys Object.keys lists, without an array per check: this runs for every
 * message and every entry a node sends or reads).
 */
function hasKeys(value: Record<string, unknown>, keys: readonly string[]): boolean {
  // The usual case first: for-in lists exactly `keys`, in their order (a message as a node of ours builds it). It
  // lists own keys before inherited ones, so when the last is own, all are; any other key, or another order, is
  // left to the exact count below.
  let k = 0;
  for (const key in value) {
    if (key !== keys[k]) return ownKeyCount(value) === keys.length && hasAll(value, keys);
    k += 1;
  }
  return k === keys.length && (k === 0 || Object.hasOwn(value, keys[k - 1] as string));
}

function ownKeyCount(value: Record<string, unknown>): number {
  let own = 0;
  for (const key in value) if (Object.hasOwn(value, key)) own += 1;
  return own;
}

function hasAll(value: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const key of keys) if (!Object.hasOwn(value, key)) return false;
  return true;
}

function isPayload(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= WIRE_PAYLOAD_BYTES_MAX && stringBytes(value) <= WIRE_PAYLOAD_BYTES_MAX
  );
}

const TERM_ONLY = ['term'] as const;
const VOTE_KEYS = ['type', 'term', 'lastLogIndex', 'lastLogTerm', 'pre'] as const;
const VOTE_RESP_KEYS = ['type', 'term', 'granted', 'pre'] as const;
const APPEND_KEYS = ['type', 'term', 'prevLogIndex', 'prevLogTerm', 'entries', 'leaderCommit'] as const;
const APPEND_RESP_KEYS = ['type', 'term', 'success', 'index'] as const;
const FORWARD_KEYS = ['type', 'submissions'] as const;
const SUBMISSION_KEYS = ['term', 'origin', 'seq', 'id', 'payload'] as const;
const FORWARDED_KEYS = ['seq', 'id', 'payload'] as const;

export function isEntry(value: unknown): value is Entry {
  if (!isObject(value) || !isCount(value.term) || value.term < 1) return false;
  if (!hasKeys(value, SUBMISSION_KEYS)) return hasKeys(value, TERM_ONLY);
  return isNodeId(value.origin) && isCount(value.seq) && value.seq >= 1 && isId(value.id) && isPayload(value.payload);
}

function isForwarded(value: unknown): value is Forwarded {
  return (
    isObject(value) &&
    hasKeys(value, FORWARDED_KEYS) &&
    isCount(value.seq) &&
    value.seq >= 1 &&
    isId(value.id) &&
    isPayload(value.payload)
  );
}

/** A bounded list of entries, none of a term after `term` (an APPEND's), in one pass. */
function areEntriesUpTo(value: unknown, term: number): value is Entry[] {
  if (!Array.isArray(value) || value.length > WIRE_ENTRIES_MAX) return false;
  for (let k = 0; k < value.length; k += 1) {
    const entry: unknown = value[k];
    if (!isEntry(entry) || entry.term > term) return false;
  }
  return true;
}

function isBoundedList<T>(value: unknown, item: (entry: unknown) => entry is T): value is T[] {
  if (!Array.isArray(value) || value.length > WIRE_ENTRIES_MAX) return false;
  for (let k = 0; k < value.length; k += 1) if (!item(value[k])) return false;
  return true;
}

/**
 * Strict shape check of every message type: exact keys, whole numbers in range, bounded strings and lists. One
 * function per type, so that each reads fields of one object shape only (the host checks every message sent).
 */
export function isRaftMessage(value: unknown): value is RaftMessage {
  if (!isObject(value)) return false;
  switch (value.type) {
    case 'VOTE':
      return isVote(value);
    case 'VOTE_RESP':
      return isVoteResponse(value);
    case 'APPEND':
      return isAppend(value);
    case 'APPEND_RESP':
      return isAppendResponse(value);
    case 'FORWARD':
      return hasKeys(value, FORWARD_KEYS) && isBoundedList(value.submissions, isForwarded);
    default:
      return false;
  }
}

function isVote(m: Record<string, unknown>): boolean {
  return (
    hasKeys(m, VOTE_KEYS) &&
    isCount(m.term) &&
    m.term >= 1 &&
    isCount(m.lastLogIndex) &&
    isCount(m.lastLogTerm) &&
    typeof m.pre === 'boolean'
  );
}

function isVoteResponse(m: Record<string, unknown>): boolean {
  return hasKeys(m, VOTE_RESP_KEYS) && isCount(m.term) && typeof m.granted === 'boolean' && typeof m.pre === 'boolean';
}

function isAppend(m: Record<string, unknown>): boolean {
  return (
    hasKeys(m, APPEND_KEYS) &&
    isCount(m.term) &&
    m.term >= 1 &&
    isCount(m.prevLogIndex) &&
    isCount(m.prevLogTerm) &&
    isCount(m.leaderCommit) &&
    areEntriesUpTo(m.entries, m.term)
  );
}

function isAppendResponse(m: Record<string, unknown>): boolean {
  return hasKeys(m, APPEND_RESP_KEYS) && isCount(m.term) && typeof m.success === 'boolean' && isCount(m.index);
}

/** Shape check of a recovered record: a log that does not parse as ours is a bug or a foreign file, not data. */
export function isRaftRecord(value: unknown): value is RaftRecord {
  if (!isObject(value)) return false;
  switch (value.kind) {
    case 'vote':
      return (
        hasKeys(value, ['kind', 'term', 'votedFor']) &&
        isCount(value.term) &&
        (value.votedFor === null || isNodeId(value.votedFor))
      );
    case 'log':
      return (
        hasKeys(value, ['kind', 'from', 'entries']) &&
        isCount(value.from) &&
        value.from >= 1 &&
        Array.isArray(value.entries) &&
        value.entries.every(isEntry)
      );
    case 'submit':
      return (
        hasKeys(value, ['kind', ...FORWARDED_KEYS]) &&
        isForwarded({ seq: value.seq, id: value.id, payload: value.payload })
      );
    case 'applied':
      return hasKeys(value, ['kind', 'index']) && isCount(value.index);
    default:
      return false;
  }
}
