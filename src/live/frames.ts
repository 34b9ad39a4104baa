import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../core/ids.ts';
import { canonicalJson, type Json } from '../core/json.ts';

/**
 * The wire format: one JSON object per line (newline-delimited), at most `frameBytesMax` bytes without the newline.
 *
 *   {"hello":{"from":N}}                                   first frame on every connection
 *   {"from":N,"msg":<protocol message>,"ref":"N:B:C"}      every later frame; ref = sender, its boot, a counter
 *
 * With a shared secret every frame also carries "mac": the HMAC-SHA256, in lowercase hex, keyed with the UTF-8
 * bytes of the secret, over the UTF-8 bytes of canonicalJson(frame without "mac") -- JSON with the keys of every
 * object sorted by UTF-16 code unit and no whitespace. Both sides compute those bytes from parsed data, so the key
 * order or spacing a sender happens to write never matters.
 */
export type Frame = { kind: 'hello'; from: NodeId } | { kind: 'data'; from: NodeId; msg: Json; ref: string };

export type Decoded = { ok: true; frame: Frame } | { ok: false; problem: string };

/** What a receiver holds incoming frames to. */
export interface FrameRules {
  self: NodeId;
  nodes: readonly NodeId[];
  secret: string | null;
  isMessage(value: unknown): boolean;
}

const MAC_PATTERN = /^[0-9a-f]{64}$/;
/** "<from>:<boot>:<counter>", bounded so a ref can never be a payload in disguise. */
const REF_PATTERN = /^(\d{1,7}):\d{1,12}:\d{1,15}$/;
const SHOWN_CHARS_MAX = 40;
/**
 * Nesting deeper than this is refused before anything recursive (the HMAC's canonical JSON, a protocol's shape
 * check) walks the value: a megabyte of "[" parses fine but would overflow the stack of a recursive walk.
 */
export const FRAME_DEPTH_MAX = 64;

export function macOf(unsigned: object, secret: string): string {
  return createHmac('sha256', secret).update(canonicalJson(unsigned), 'utf8').digest('hex');
}

function withMac(unsigned: Record<string, Json>, secret: string | null): string {
  return JSON.stringify(secret === null ? unsigned : { ...unsigned, mac: macOf(unsigned, secret) });
}

export function encodeHello(from: NodeId, secret: string | null): string {
  return withMac({ hello: { from } }, secret);
}

export function encodeData(from: NodeId, msg: Json, ref: string, secret: string | null): string {
  return withMac({ from, msg, ref }, secret);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A short, escaped glimpse of bad input for a log line: never raw bytes, never a control character. */
function glimpse(text: string): string {
  return JSON.stringify(text.length > SHOWN_CHARS_MAX ? `${text.slice(0, SHOWN_CHARS_MAX)}...` : text);
}

/** Parses and checks one line. `helloFrom` is null until the connection has said hello. */
export function decodeFrame(line: Uint8Array, rules: FrameRules, helloFrom: NodeId | null): Decoded {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return { ok: false, problem: 'frame is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `frame is not valid JSON (starts ${glimpse(text)})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `frame is not a JSON object (starts ${glimpse(text)})` };
  }
  if (depthExceeds(value, FRAME_DEPTH_MAX)) return { ok: false, problem: `frame nests deeper than ${FRAME_DEPTH_MAX} levels` };
  const { mac, ...unsigned } = value as Record<string, unknown>;
  const macProblem = checkMac(unsigned, mac, rules.secret);
  if (macProblem !== null) return { ok: false, problem: macProblem };
  return helloFrom === null ? decodeHello(unsigned, rules) : decodeData(unsigned, rules, helloFrom);
}

/** Iterative, so the check itself cannot overflow the stack it protects. */
function depthExceeds(root: unknown, depthMax: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth > depthMax) return true;
    for (const inner of Object.values(item.value)) stack.push({ value: inner, depth: item.depth + 1 });
  }
  return false;
}

function checkMac(unsigned: object, mac: unknown, secret: string | null): string | null {
  if (secret === null) return null; // Without a secret a mac is meaningless; it is ignored, not trusted.
  if (mac === undefined) return 'frame has no "mac" but this node requires one (does the sender lack --secret?)';
  if (typeof mac !== 'string' || !MAC_PATTERN.test(mac)) return 'frame "mac" is not 64 lowercase hex digits';
  const expected = Buffer.from(macOf(unsigned, secret), 'hex');
  // timingSafeEqual: how long the comparison takes must not tell a forger how many leading bytes were right.
  if (!timingSafeEqual(Buffer.from(mac, 'hex'), expected)) return 'frame "mac" does not match (a different --secret?)';
  return null;
}

function onlyKeys(value: object, allowed: readonly string[]): string | null {
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  return extra.length === 0 ? null : extra.slice(0, 3).map((key) => glimpse(key)).join(', ');
}

function decodeHello(unsigned: Record<string, unknown>, rules: FrameRules): Decoded {
  const hello = unsigned.hello;
  if (hello === undefined) return { ok: false, problem: 'the first frame on a connection must be {"hello":{"from":ID}}' };
  const extra = onlyKeys(unsigned, ['hello']);
  if (extra !== null) return { ok: false, problem: `hello frame has unexpected keys ${extra}` };
  if (hello === null || typeof hello !== 'object' || Array.isArray(hello)) return { ok: false, problem: 'hello is not an object' };
  const from = (hello as Record<string, unknown>).from;
  if (onlyKeys(hello, ['from']) !== null) return { ok: false, problem: 'hello has keys other than "from"' };
  if (typeof from !== 'number' || !rules.nodes.includes(from)) {
    return { ok: false, problem: `hello from ${glimpse(String(from))}, not a node of this cluster (${rules.nodes.join(', ')})` };
  }
  if (from === rules.self) return { ok: false, problem: `hello claims this node's own id ${from}` };
  return { ok: true, frame: { kind: 'hello', from } };
}

function decodeData(unsigned: Record<string, unknown>, rules: FrameRules, helloFrom: NodeId): Decoded {
  if (unsigned.hello !== undefined) return { ok: false, problem: 'a second hello on one connection' };
  const extra = onlyKeys(unsigned, ['from', 'msg', 'ref']);
  if (extra !== null) return { ok: false, problem: `frame has unexpected keys ${extra}` };
  const { from, msg, ref } = unsigned;
  if (from !== helloFrom) {
    return { ok: false, problem: `frame says it is from ${glimpse(String(from))} but the connection said hello as node ${helloFrom}` };
  }
  const refMatch = typeof ref === 'string' ? REF_PATTERN.exec(ref) : null;
  if (refMatch === null || Number(refMatch[1]) !== helloFrom) {
    return { ok: false, problem: `frame "ref" must be "${helloFrom}:BOOT:COUNTER", got ${glimpse(String(ref))}` };
  }
  if (msg === undefined || !rules.isMessage(msg)) {
    const type = msg !== null && typeof msg === 'object' ? (msg as Record<string, unknown>).type : undefined;
    return { ok: false, problem: `unknown or malformed protocol message (type ${glimpse(String(type))})` };
  }
  return { ok: true, frame: { kind: 'data', from: helloFrom, msg: msg as Json, ref: ref as string } };
}

/**
 * Cuts a byte stream into lines, holding at most `lineBytesMax` bytes of an unfinished line. A line over the
 * bound is reported, never buffered: for a connection that ends it; for stdin the rest of that line is skipped.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  constructor(
    private readonly lineBytesMax: number,
    private readonly skipOversize: boolean,
  ) {}

  /** Complete lines in order, and how many lines were over the bound (then, without skipOversize, stop). */
  push(chunk: Buffer): { lines: Buffer[]; oversize: number } {
    const lines: Buffer[] = [];
    let oversize = 0;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a, start); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      start = newline + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pendingBytes + piece.length > this.lineBytesMax) {
        oversize += 1;
        this.reset();
        if (!this.skipOversize) return { lines, oversize };
        continue;
      }
      lines.push(this.parts.length === 0 ? Buffer.from(piece) : Buffer.concat([...this.parts, piece]));
      this.reset();
    }
    const rest = chunk.subarray(start);
    if (this.skipping || rest.length === 0) return { lines, oversize };
    if (this.pendingBytes + rest.length > this.lineBytesMax) {
      oversize += 1;
      this.reset();
      this.skipping = this.skipOversize;
      return { lines, oversize };
    }
    this.parts.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
    return { lines, oversize };
  }

  /** Bytes of an unfinished last line (a stream that ends without a newline). */
  rest(): Buffer | null {
    return this.parts.length === 0 ? null : Buffer.concat(this.parts);
  }

  private reset(): void {
    this.parts = [];
    this.pendingBytes = 0;
  }
}
