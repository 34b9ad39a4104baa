import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../core/ids.ts';
import type { Json } from '../core/json.ts';

/**
 * The wire format: one JSON object per line (newline-delimited), at most `frameBytesMax` bytes without the newline.
 * Connections go one way: the dialling node writes frames, the listening node reads them.
 *
 * Without a secret:
 *   {"hello":{"from":N}}                                   first frame on every connection
 *   {"from":N,"msg":<protocol message>,"ref":"N:B:C"}      every later frame; ref = sender, its boot, a counter
 *
 * With a shared secret the listener speaks first, and every frame the dialler sends is signed:
 *   listener:  {"challenge":"<32 hex>"}                                     a fresh random nonce per connection
 *   dialler:   {"hello":{"from":A,"to":B,"nonce":"<32 hex>","challenge":"<the listener's nonce>"},"mac":"..."}
 *   dialler:   {"from":A,"msg":...,"ref":"A:B:C","n":1,"mac":"..."}, then n = 2, 3, ... on this connection
 * A signed frame is the unsigned JSON text U with `,"mac":"<64 hex>"` put before its final "}", where mac is
 * HMAC-SHA256 over the exact bytes of U: the hello keyed with the secret, data frames keyed with the session key
 * HMAC-SHA256(secret, "tob-lab session A B <dialler nonce> <listener nonce>"). The mac covers the bytes that are
 * parsed, so no key (a duplicate, a "__proto__") can slip in unsigned; the listener's nonce makes every session
 * key new, so a frame captured on one connection is worthless on another, and the counter n, which must go up by
 * exactly one, stops replays and reordering within a connection.
 */
export type Frame =
  { kind: 'hello'; from: NodeId; sessionKey: Buffer | null } | { kind: 'data'; from: NodeId; msg: Json; ref: string };

export type Decoded = { ok: true; frame: Frame } | { ok: false; problem: string };

/** What a receiver holds incoming frames to. */
export interface FrameRules {
  self: NodeId;
  nodes: readonly NodeId[];
  secret: string | null;
  isMessage(value: unknown): boolean;
}

/** What one inbound connection knows about its dialler so far. */
export interface ConnectionAuth {
  helloFrom: NodeId | null;
  /** The nonce this node sent (with a secret), null without one. */
  challenge: string | null;
  sessionKey: Buffer | null;
  /** The counter the next data frame must carry (with a secret). */
  nextCounter: number;
}

const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const SIGNATURE_PATTERN = /,"mac":"[0-9a-f]{64}"}$/;
/** `,"mac":"` + 64 hex digits + `"}`: what a signature adds to a frame's unsigned text. */
const SIGNATURE_CHARS = 74;
/** What signing adds to a data frame at most: the counter (`,"n":` and up to 16 digits) and the signature. */
export const SIGNED_OVERHEAD_BYTES = 21 + SIGNATURE_CHARS;
/** "<from>:<boot>:<counter>", bounded so a ref can never be a payload in disguise. */
const REF_PATTERN = /^(\d{1,7}):\d{1,12}:\d{1,15}$/;
const SHOWN_CHARS_MAX = 40;
/**
 * Nesting deeper than this is refused before anything recursive (a protocol's schema check) walks the value:
 * a megabyte of "[" parses fine but would overflow the stack of a recursive walk.
 */
export const FRAME_DEPTH_MAX = 64;

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

function macBytes(key: string | Buffer, unsigned: Uint8Array | string): Buffer {
  return createHmac('sha256', key).update(unsigned).digest();
}

/** U -> U with its signature before the final "}". */
export function sign(unsigned: string, key: string | Buffer): string {
  return `${unsigned.slice(0, -1)},"mac":"${macBytes(key, unsigned).toString('hex')}"}`;
}

export function sessionKeyOf(secret: string, from: NodeId, to: NodeId, nonce: string, challenge: string): Buffer {
  return macBytes(secret, `tob-lab session ${from} ${to} ${nonce} ${challenge}`);
}

export function encodeChallenge(nonce: string): string {
  return JSON.stringify({ challenge: nonce });
}

/** The nonce of a listener's challenge line, or why the line is not one. */
export function decodeChallenge(line: Uint8Array): { ok: true; nonce: string } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(line));
  } catch {
    return { ok: false, problem: 'the first line from the listener is not JSON' };
  }
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  const nonce = keys.length === 1 ? (value as Record<string, unknown>).challenge : undefined;
  if (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)) {
    return { ok: false, problem: 'the first line from the listener is not {"challenge":"<32 hex digits>"}' };
  }
  return { ok: true, nonce };
}

/** What a dialler with a secret says after the listener's challenge. */
export interface HelloAuth {
  secret: string;
  to: NodeId;
  nonce: string;
  challenge: string;
}

export function encodeHello(from: NodeId, auth: HelloAuth | null): string {
  if (auth === null) return JSON.stringify({ hello: { from } });
  const unsigned = JSON.stringify({ hello: { from, to: auth.to, nonce: auth.nonce, challenge: auth.challenge } });
  return sign(unsigned, auth.secret);
}

/** A dialler's answer to a challenge: its signed hello and the session that signs its later frames. */
export function answerChallenge(
  self: NodeId,
  to: NodeId,
  secret: string,
  challenge: string,
): { hello: string; session: { key: Buffer; counter: number } } {
  const nonce = newNonce();
  return {
    hello: encodeHello(self, { secret, to, nonce, challenge }),
    session: { key: sessionKeyOf(secret, self, to, nonce, challenge), counter: 0 },
  };
}

/** A data frame's text up to (not including) its final "}", shared by every copy of a broadcast. */
export function dataCore(from: NodeId, msg: Json, ref: string): string {
  return JSON.stringify({ from, msg, ref }).slice(0, -1);
}

/** The line for one data frame: unsigned, or signed with the connection's session key and counter. */
export function finishData(core: string, session: { key: Buffer; counter: number } | null): string {
  return session === null ? `${core}}` : sign(`${core},"n":${session.counter}}`, session.key);
}

export function encodeData(
  from: NodeId,
  msg: Json,
  ref: string,
  session: { key: Buffer; counter: number } | null = null,
): string {
  return finishData(dataCore(from, msg, ref), session);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A short, escaped glimpse of bad input for a log line: never raw bytes, never a control character. */
function glimpse(text: string): string {
  return JSON.stringify(text.length > SHOWN_CHARS_MAX ? `${text.slice(0, SHOWN_CHARS_MAX)}...` : text);
}

/** A fresh connection's state: `challenge` is the nonce this node sent (with a secret). */
export function newConnectionAuth(challenge: string | null): ConnectionAuth {
  return { helloFrom: null, challenge, sessionKey: null, nextCounter: 1 };
}

/** Parses and checks one line against what the connection has established so far (updated on success). */
export function decodeFrame(line: Uint8Array, rules: FrameRules, auth: ConnectionAuth): Decoded {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return { ok: false, problem: 'frame is not valid UTF-8' };
  }
  let unsigned = text;
  if (rules.secret !== null) {
    const key = auth.helloFrom === null ? rules.secret : auth.sessionKey;
    const problem = checkSignature(text, key);
    if (problem !== null) return { ok: false, problem };
    unsigned = `${text.slice(0, -SIGNATURE_CHARS)}}`;
  }
  let value: unknown;
  try {
    value = JSON.parse(unsigned);
  } catch {
    return { ok: false, problem: `frame is not valid JSON (starts ${glimpse(text)})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `frame is not a JSON object (starts ${glimpse(text)})` };
  }
  if (depthExceeds(value, FRAME_DEPTH_MAX))
    return { ok: false, problem: `frame nests deeper than ${FRAME_DEPTH_MAX} levels` };
  const fields = value as Record<string, unknown>;
  const decoded = auth.helloFrom === null ? decodeHello(fields, rules, auth) : decodeData(fields, rules, auth);
  if (decoded.ok && decoded.frame.kind === 'hello') {
    auth.helloFrom = decoded.frame.from;
    auth.sessionKey = decoded.frame.sessionKey;
  } else if (decoded.ok) auth.nextCounter += 1;
  return decoded;
}

function checkSignature(text: string, key: string | Buffer | null): string | null {
  if (!SIGNATURE_PATTERN.test(text)) {
    return text.includes('"mac"')
      ? 'frame "mac" is not where a signed frame has it (64 lowercase hex digits before the final "}")'
      : 'frame has no "mac" but this node requires one (does the sender lack --secret?)';
  }
  if (key === null) return 'no session key for this connection';
  const unsigned = `${text.slice(0, -SIGNATURE_CHARS)}}`;
  const expected = macBytes(key, unsigned);
  const given = Buffer.from(text.slice(-SIGNATURE_CHARS + 8, -2), 'hex');
  // timingSafeEqual: how long the comparison takes must not tell a forger how many leading bytes were right.
  if (!timingSafeEqual(given, expected))
    return 'frame "mac" does not match (a different --secret, a replayed or altered frame?)';
  return null;
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

function onlyKeys(value: object, allowed: readonly string[]): string | null {
  const extra = Object.keys(value).filter((key) => !allowed.includes(key));
  return extra.length === 0
    ? null
    : extra
        .slice(0, 3)
        .map((key) => glimpse(key))
        .join(', ');
}

function decodeHello(unsigned: Record<string, unknown>, rules: FrameRules, auth: ConnectionAuth): Decoded {
  const hello = unsigned.hello;
  if (hello === undefined)
    return { ok: false, problem: 'the first frame on a connection must be {"hello":{"from":ID}}' };
  const extra = onlyKeys(unsigned, ['hello']);
  if (extra !== null) return { ok: false, problem: `hello frame has unexpected keys ${extra}` };
  if (hello === null || typeof hello !== 'object' || Array.isArray(hello))
    return { ok: false, problem: 'hello is not an object' };
  const fields = hello as Record<string, unknown>;
  const from = fields.from;
  const allowed = rules.secret === null ? ['from'] : ['from', 'to', 'nonce', 'challenge'];
  if (onlyKeys(hello, allowed) !== null || Object.keys(hello).length !== allowed.length) {
    return { ok: false, problem: `hello must have exactly the keys ${allowed.map((key) => `"${key}"`).join(', ')}` };
  }
  if (typeof from !== 'number' || !rules.nodes.includes(from)) {
    return {
      ok: false,
      problem: `hello from ${glimpse(String(from))}, not a node of this cluster (${rules.nodes.join(', ')})`,
    };
  }
  if (from === rules.self) return { ok: false, problem: `hello claims this node's own id ${from}` };
  if (rules.secret === null) return { ok: true, frame: { kind: 'hello', from, sessionKey: null } };
  if (fields.to !== rules.self)
    return { ok: false, problem: `hello is addressed to node ${glimpse(String(fields.to))}, not ${rules.self}` };
  if (fields.challenge !== auth.challenge)
    return { ok: false, problem: "hello answers another challenge than this connection's (a replayed hello?)" };
  if (typeof fields.nonce !== 'string' || !NONCE_PATTERN.test(fields.nonce))
    return { ok: false, problem: 'hello "nonce" is not 32 hex digits' };
  const sessionKey = sessionKeyOf(rules.secret, from, rules.self, fields.nonce, auth.challenge as string);
  return { ok: true, frame: { kind: 'hello', from, sessionKey } };
}

function decodeData(unsigned: Record<string, unknown>, rules: FrameRules, auth: ConnectionAuth): Decoded {
  const helloFrom = auth.helloFrom as NodeId;
  if (unsigned.hello !== undefined) return { ok: false, problem: 'a second hello on one connection' };
  const extra = onlyKeys(unsigned, rules.secret === null ? ['from', 'msg', 'ref'] : ['from', 'msg', 'ref', 'n']);
  if (extra !== null) return { ok: false, problem: `frame has unexpected keys ${extra}` };
  const { from, msg, ref } = unsigned;
  if (from !== helloFrom) {
    return {
      ok: false,
      problem: `frame says it is from ${glimpse(String(from))} but the connection said hello as node ${helloFrom}`,
    };
  }
  if (rules.secret !== null && unsigned.n !== auth.nextCounter) {
    return {
      ok: false,
      problem: `frame counter is ${glimpse(String(unsigned.n))}, expected ${auth.nextCounter} (a replayed, dropped or reordered frame)`,
    };
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
