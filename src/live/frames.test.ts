import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sequencer } from '../protocols/sequencer/index.ts';
import {
  answerChallenge,
  dataCore,
  decodeFrame,
  encodeData,
  encodeHello,
  finishData,
  LineSplitter,
  newConnectionAuth,
  type ConnectionAuth,
  type FrameRules,
} from './frames.ts';

const rules: FrameRules = { self: 2, nodes: [1, 2, 3], secret: null, isMessage: sequencer.isMessage };
const signed: FrameRules = { ...rules, secret: 'correct horse battery' };
const bytes = (text: string) => Buffer.from(text, 'utf8');
const heartbeat = { type: 'HEARTBEAT', term: 1, lastSeq: 4 };

/** Decodes `line` on a connection that has said hello as `helloFrom` (or not yet, with null). */
function problemOf(line: string, frameRules: FrameRules, helloFrom: number | null): string {
  const auth = newConnectionAuth(null);
  auth.helloFrom = helloFrom;
  const decoded = decodeFrame(bytes(line), frameRules, auth);
  return decoded.ok ? 'accepted' : decoded.problem;
}

describe('frames', () => {
  it('round-trips a hello and a data frame', () => {
    const auth = newConnectionAuth(null);
    const hello = decodeFrame(bytes(encodeHello(3, null)), rules, auth);
    expect(hello).toEqual({ ok: true, frame: { kind: 'hello', from: 3, sessionKey: null } });
    const data = decodeFrame(bytes(encodeData(3, heartbeat, '3:1:7', null)), rules, auth);
    expect(data).toEqual({ ok: true, frame: { kind: 'data', from: 3, msg: heartbeat, ref: '3:1:7' } });
    expect(encodeHello(3, null)).toBe('{"hello":{"from":3}}');
    expect(encodeData(3, heartbeat, '3:1:7', null)).toBe(
      '{"from":3,"msg":{"type":"HEARTBEAT","term":1,"lastSeq":4},"ref":"3:1:7"}',
    );
  });

  it('names what is wrong with each kind of bad frame', () => {
    expect(decodeFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), rules, newConnectionAuth(null))).toEqual({
      ok: false,
      problem: 'frame is not valid UTF-8',
    });
    expect(problemOf('{"hello":', rules, null)).toMatch(/^frame is not valid JSON \(starts "\{\\"hello\\":"\)/);
    expect(problemOf('[1,2]', rules, null)).toMatch(/not a JSON object/);
    expect(problemOf('{"from":3,"msg":{},"ref":"3:1:1"}', rules, null)).toMatch(/first frame on a connection must be/);
    expect(problemOf('{"hello":{"from":9}}', rules, null)).toMatch(
      /hello from "9", not a node of this cluster \(1, 2, 3\)/,
    );
    expect(problemOf('{"hello":{"from":2}}', rules, null)).toMatch(/own id 2/);
    expect(problemOf('{"hello":{"from":1},"x":1}', rules, null)).toMatch(/unexpected keys "x"/);
    expect(problemOf(encodeHello(1, null), rules, 1)).toBe('a second hello on one connection');
    expect(problemOf(encodeData(3, heartbeat, '3:1:1', null), rules, 1)).toMatch(
      /says it is from "3" but the connection said hello as node 1/,
    );
    expect(problemOf(encodeData(1, { type: 'NOPE' }, '1:1:1', null), rules, 1)).toMatch(
      /unknown or malformed protocol message \(type "NOPE"\)/,
    );
    expect(problemOf(encodeData(1, { type: 'HEARTBEAT', term: -1, lastSeq: 0 }, '1:1:1', null), rules, 1)).toMatch(
      /malformed/,
    );
    expect(problemOf(encodeData(1, heartbeat, '3:1:1', null), rules, 1)).toMatch(/"ref" must be "1:BOOT:COUNTER"/);
    expect(problemOf('{"from":1,"msg":' + JSON.stringify(heartbeat) + '}', rules, 1)).toMatch(/"ref" must be/);
    expect(
      problemOf('{"from":1,"msg":' + JSON.stringify(heartbeat) + ',"ref":"1:1:1","extra":true}', rules, 1),
    ).toMatch(/unexpected keys/);
  });

  it('keeps control characters of bad input out of the log line', () => {
    const problem = problemOf('\u001b[2J\nnot json', rules, null);
    expect(problem).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('signed frames (--secret)', () => {
  const secret = 'correct horse battery';
  const challenge = '0123456789abcdef0123456789abcdef';
  /** A connection's state on the listening side after it sent `challenge`. */
  const listening = () => newConnectionAuth(challenge);
  const accept = (line: string, auth: ConnectionAuth) => {
    const decoded = decodeFrame(bytes(line), signed, auth);
    return decoded.ok ? 'accepted' : decoded.problem;
  };

  it('signs the exact bytes of the unsigned frame, data frames with the session key and a counter', () => {
    const { hello, session } = answerChallenge(1, 2, secret, challenge);
    const auth = listening();
    expect(accept(hello, auth)).toBe('accepted');
    const unsigned = hello.replace(/,"mac":"[0-9a-f]{64}"}$/, '}');
    expect(hello).toBe(
      `${unsigned.slice(0, -1)},"mac":"${createHmac('sha256', secret).update(unsigned).digest('hex')}"}`,
    );
    session.counter += 1;
    const data = encodeData(1, heartbeat, '1:1:1', session);
    const { nonce } = (JSON.parse(unsigned) as { hello: { nonce: string } }).hello;
    const key = createHmac('sha256', secret).update(`tob-lab session 1 2 ${nonce} ${challenge}`).digest();
    const dataUnsigned = '{"from":1,"msg":{"type":"HEARTBEAT","term":1,"lastSeq":4},"ref":"1:1:1","n":1}';
    expect(data).toBe(
      `${dataUnsigned.slice(0, -1)},"mac":"${createHmac('sha256', key).update(dataUnsigned).digest('hex')}"}`,
    );
    expect(accept(data, auth)).toBe('accepted');
  });

  it('refuses a replayed frame, a skipped counter, and a hello answering another challenge', () => {
    const { hello, session } = answerChallenge(1, 2, secret, challenge);
    const auth = listening();
    expect(accept(hello, auth)).toBe('accepted');
    session.counter = 1;
    const first = encodeData(1, heartbeat, '1:1:1', session);
    expect(accept(first, auth)).toBe('accepted');
    expect(accept(first, auth)).toMatch(/counter is "1", expected 2/);
    session.counter = 3;
    expect(accept(encodeData(1, heartbeat, '1:1:2', session), listening())).toMatch(/no "mac"|does not match|must be/);
    // The same hello on a new connection (a new challenge) is worthless, and so is its session's data.
    const other = newConnectionAuth('ffffffffffffffffffffffffffffffff');
    expect(accept(hello, other)).toMatch(/another challenge/);
    expect(accept(answerChallenge(1, 3, secret, challenge).hello, listening())).toMatch(/addressed to node "3", not 2/);
  });

  it('refuses a missing, misplaced, wrong-key or tampered mac, and keys slipped in beside it', () => {
    expect(accept(encodeHello(1, null), listening())).toMatch(/no "mac" but this node requires one/);
    expect(accept('{"mac":"abc","hello":{"from":1}}', listening())).toMatch(/not where a signed frame has it/);
    expect(accept(answerChallenge(1, 2, 'another secret', challenge).hello, listening())).toMatch(/does not match/);
    const { hello, session } = answerChallenge(1, 2, secret, challenge);
    expect(accept(hello.replace('"from":1', '"from":3'), listening())).toMatch(/does not match/);
    const auth = listening();
    accept(hello, auth);
    session.counter = 1;
    const data = encodeData(1, heartbeat, '1:1:1', session);
    expect(accept(data.replace('"term":1', '"term":9'), auth)).toMatch(/does not match/);
    // A key added after signing changes the signed bytes; one signed in ("__proto__") is refused by the schema.
    expect(accept(data.replace('"type":"HEARTBEAT"', '"__proto__":{},"type":"HEARTBEAT"'), auth)).toMatch(
      /does not match/,
    );
    session.counter = 1;
    const core = dataCore(1, heartbeat, '1:1:1').replace(
      '"type":"HEARTBEAT"',
      '"__proto__":{"x":1},"type":"HEARTBEAT"',
    );
    expect(accept(finishData(core, session), auth)).toMatch(/malformed protocol message/);
  });

  it('rejects a mac when no secret is set (an unexpected key)', () => {
    const auth = newConnectionAuth(null);
    expect(decodeFrame(bytes(encodeHello(1, null)), rules, auth).ok).toBe(true);
    const decoded = decodeFrame(
      bytes('{"from":1,"msg":{"type":"JOIN","term":0},"ref":"1:1:1","mac":"00"}'),
      rules,
      auth,
    );
    expect(decoded.ok ? 'accepted' : decoded.problem).toMatch(/unexpected keys "mac"/);
  });
});

describe('LineSplitter', () => {
  it('joins lines split across chunks and returns several lines per chunk', () => {
    const splitter = new LineSplitter(100, false);
    expect(splitter.push(bytes('ab')).lines).toEqual([]);
    const { lines } = splitter.push(bytes('c\nde\nf'));
    expect(lines.map(String)).toEqual(['abc', 'de']);
    expect(String(splitter.rest())).toBe('f');
  });

  it('reports a line over the bound without buffering it, and stops there on a connection', () => {
    const splitter = new LineSplitter(10, false);
    expect(splitter.push(bytes('0123456789')).oversize).toBe(0); // exactly the bound is fine
    expect(splitter.push(bytes('A')).oversize).toBe(1);
    const after = new LineSplitter(10, false).push(bytes('ok\n0123456789AB\nlater\n'));
    expect(after.lines.map(String)).toEqual(['ok']);
    expect(after.oversize).toBe(1);
  });

  it('skips an oversize line whole in skip mode (stdin) and goes on', () => {
    const splitter = new LineSplitter(4, true);
    const first = splitter.push(bytes('ok\n0123456'));
    expect(first.lines.map(String)).toEqual(['ok']);
    expect(first.oversize).toBe(1);
    const second = splitter.push(bytes('789\nnext\n'));
    expect(second.lines.map(String)).toEqual(['next']);
    expect(second.oversize).toBe(0);
  });
});

describe('hostile nesting', () => {
  it('refuses a frame nested deeper than the bound before anything recursive walks it', () => {
    const deep = '{"hello":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expect(problemOf(deep, rules, null)).toBe('frame nests deeper than 64 levels');
    const shallow = JSON.stringify({ from: 1, msg: { type: 'NOPE', x: [[[[1]]]] }, ref: '1:1:1' });
    expect(problemOf(shallow, rules, 1)).toMatch(/unknown or malformed/);
  });
});
