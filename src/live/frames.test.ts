import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sequencer } from '../protocols/sequencer/index.ts';
import { decodeFrame, encodeData, encodeHello, LineSplitter, macOf, type FrameRules } from './frames.ts';

const rules: FrameRules = { self: 2, nodes: [1, 2, 3], secret: null, isMessage: sequencer.isMessage };
const signed: FrameRules = { ...rules, secret: 'correct horse battery' };
const bytes = (text: string) => Buffer.from(text, 'utf8');
const heartbeat = { type: 'HEARTBEAT', term: 1, lastSeq: 4 };

function problemOf(line: string, frameRules: FrameRules, helloFrom: number | null): string {
  const decoded = decodeFrame(bytes(line), frameRules, helloFrom);
  return decoded.ok ? 'accepted' : decoded.problem;
}

describe('frames', () => {
  it('round-trips a hello and a data frame', () => {
    const hello = decodeFrame(bytes(encodeHello(3, null)), rules, null);
    expect(hello).toEqual({ ok: true, frame: { kind: 'hello', from: 3 } });
    const data = decodeFrame(bytes(encodeData(3, heartbeat, '3:1:7', null)), rules, 3);
    expect(data).toEqual({ ok: true, frame: { kind: 'data', from: 3, msg: heartbeat, ref: '3:1:7' } });
    expect(encodeHello(3, null)).toBe('{"hello":{"from":3}}');
    expect(encodeData(3, heartbeat, '3:1:7', null)).toBe('{"from":3,"msg":{"type":"HEARTBEAT","term":1,"lastSeq":4},"ref":"3:1:7"}');
  });

  it('names what is wrong with each kind of bad frame', () => {
    expect(decodeFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), rules, null)).toEqual({ ok: false, problem: 'frame is not valid UTF-8' });
    expect(problemOf('{"hello":', rules, null)).toMatch(/^frame is not valid JSON \(starts "\{\\"hello\\":"\)/);
    expect(problemOf('[1,2]', rules, null)).toMatch(/not a JSON object/);
    expect(problemOf('{"from":3,"msg":{},"ref":"3:1:1"}', rules, null)).toMatch(/first frame on a connection must be/);
    expect(problemOf('{"hello":{"from":9}}', rules, null)).toMatch(/hello from "9", not a node of this cluster \(1, 2, 3\)/);
    expect(problemOf('{"hello":{"from":2}}', rules, null)).toMatch(/own id 2/);
    expect(problemOf('{"hello":{"from":1},"x":1}', rules, null)).toMatch(/unexpected keys "x"/);
    expect(problemOf(encodeHello(1, null), rules, 1)).toBe('a second hello on one connection');
    expect(problemOf(encodeData(3, heartbeat, '3:1:1', null), rules, 1)).toMatch(/says it is from "3" but the connection said hello as node 1/);
    expect(problemOf(encodeData(1, { type: 'NOPE' }, '1:1:1', null), rules, 1)).toMatch(/unknown or malformed protocol message \(type "NOPE"\)/);
    expect(problemOf(encodeData(1, { type: 'HEARTBEAT', term: -1, lastSeq: 0 }, '1:1:1', null), rules, 1)).toMatch(/malformed/);
    expect(problemOf(encodeData(1, heartbeat, '3:1:1', null), rules, 1)).toMatch(/"ref" must be "1:BOOT:COUNTER"/);
    expect(problemOf('{"from":1,"msg":' + JSON.stringify(heartbeat) + '}', rules, 1)).toMatch(/"ref" must be/);
    expect(problemOf('{"from":1,"msg":' + JSON.stringify(heartbeat) + ',"ref":"1:1:1","extra":true}', rules, 1)).toMatch(/unexpected keys/);
  });

  it('keeps control characters of bad input out of the log line', () => {
    const problem = problemOf('\u001b[2J\nnot json', rules, null);
    expect(problem).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('HMAC', () => {
  it('signs the canonical JSON of the frame without its mac, as documented', () => {
    const line = encodeData(1, heartbeat, '1:1:1', signed.secret);
    const { mac, ...unsigned } = JSON.parse(line) as { mac: string };
    const canonical = '{"from":1,"msg":{"lastSeq":4,"term":1,"type":"HEARTBEAT"},"ref":"1:1:1"}';
    expect(mac).toBe(createHmac('sha256', 'correct horse battery').update(canonical).digest('hex'));
    expect(macOf(unsigned, 'correct horse battery')).toBe(mac);
  });

  it('accepts a signed frame whatever the sender key order and spacing', () => {
    const unsigned = { ref: '1:1:1', msg: { lastSeq: 4, type: 'HEARTBEAT', term: 1 }, from: 1 };
    const line = JSON.stringify({ mac: macOf(unsigned, 'correct horse battery'), ...unsigned }, null, 0).replace(/,/g, ', ');
    expect(problemOf(line, signed, 1)).toBe('accepted');
    expect(problemOf(encodeHello(1, signed.secret), signed, null)).toBe('accepted');
  });

  it('rejects a missing, malformed, wrong-key or tampered mac', () => {
    expect(problemOf(encodeHello(1, null), signed, null)).toMatch(/no "mac" but this node requires one/);
    expect(problemOf('{"hello":{"from":1},"mac":"abc"}', signed, null)).toMatch(/not 64 lowercase hex/);
    expect(problemOf(encodeHello(1, 'another secret'), signed, null)).toMatch(/does not match/);
    const tampered = encodeData(1, heartbeat, '1:1:1', signed.secret).replace('"term":1', '"term":9');
    expect(problemOf(tampered, signed, 1)).toMatch(/does not match/);
  });

  it('ignores a mac when no secret is set (it proves nothing then)', () => {
    expect(problemOf(encodeHello(1, 'any secret at all'), rules, null)).toBe('accepted');
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
    expect(problemOf(deep, signed, null)).toBe('frame nests deeper than 64 levels');
    const shallow = JSON.stringify({ from: 1, msg: { type: 'NOPE', x: [[[[1]]]] }, ref: '1:1:1' });
    expect(problemOf(shallow, rules, 1)).toMatch(/unknown or malformed/);
  });
});
