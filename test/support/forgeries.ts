import type { JsonObject } from '../../src/core/json.ts';
import { pick, randomInt, type RandomStream } from '../../src/core/rng.ts';
import { encodeData, encodeHello } from '../../src/live/frames.ts';

/** Bad and forged frames for a live sequencer node: what the fuzz test and `npm run fuzz:live` throw at it. */

export type Generator = (random: RandomStream) => string;

const harmless: JsonObject[] = [
  { type: 'JOIN', term: 0 },
  { type: 'ELECTION_OK', term: 0 },
  { type: 'HEARTBEAT', term: 0, lastSeq: 0 },
  { type: 'CATCHUP_REQ', afterSeq: 1_000_000 },
];

const BAD_FIELDS: JsonObject[] = [
  { type: 'HEARTBEAT', term: 'x', lastSeq: 0 },
  { type: 'SEQ_CHAT', term: 1 },
  { type: 'CHAT', id: 5 },
];

/**
 * Well-formed lies the strict schemas must refuse (the B, C, D, E): every one would, if accepted, leave
 * state behind that no honest peer could produce. A connection that sends one is dropped; nothing reaches a handler.
 */
export const SEMANTIC_FORGERIES: Array<(random: RandomStream) => JsonObject> = [
  // B: an extra key that a spread would have carried into the stored record.
  (random) => ({
    type: 'SEQ_CHAT',
    term: 1,
    seq: randomInt(random, 1, 50),
    id: 'forged',
    origin: 1,
    payload: 'x',
    kind: 'term',
  }),
  // C: terms and sequence numbers past the bound.
  () => ({ type: 'COORDINATOR', term: 2 ** 53 - 1, lastSeq: 0 }),
  (random) => ({ type: 'HEARTBEAT', term: pick(random, [2 ** 48 + 1, 1e300, 2.5, -1]), lastSeq: 0 }),
  () => ({ type: 'CATCHUP_REQ', afterSeq: 2 ** 60 }),
  () => ({ type: 'JOIN_ACK', term: 1, leader: 0, lastSeq: 0 }),
  // D: a payload or id past its limit.
  () => ({ type: 'CHAT', id: 'x', origin: 1, payload: 'p'.repeat(4097) }),
  () => ({ type: 'CHAT', id: 'i'.repeat(257), origin: 1, payload: 'p' }),
  () => ({ type: 'CHAT', id: '', origin: 1, payload: 'p' }),
  // E: a prototype key, and keys of one message type on another.
  () => JSON.parse('{"type":"JOIN","term":0,"__proto__":{"term":5}}') as JsonObject,
  () => ({ type: 'JOIN', term: 0, lastSeq: 3 }),
  (random) => ({
    type: 'CATCHUP_RESP',
    term: 0,
    lastSeq: 1,
    entries: [{ term: 0, seq: randomInt(random, 1, 9), id: 'a', origin: 1, payload: 'b', kind: 'term' }],
  }),
  () => ({ type: 'SEQ_CHAT', term: 0, seq: 0, id: 'a', origin: 1, payload: 'b' }),
];

/**
 * Each makes one line (without its newline) as node 1 would send it after its hello: most are invalid in one way,
 * a few are valid but harmless. `frameBytesMax` is the target's limit, for the oversize line.
 */
export function frameGenerators(frameBytesMax: number): Record<string, Generator> {
  return {
    randomBytes: (random) =>
      String.fromCharCode(...Array.from({ length: randomInt(random, 1, 120) }, () => randomInt(random, 0, 255))),
    truncatedJson: (random) => encodeData(1, pick(random, harmless), '1:1:1', null).slice(0, randomInt(random, 1, 30)),
    notAnObject: (random) => pick(random, ['42', '"text"', 'null', '[1,2,3]', 'true']),
    oversize: () => '{"pad":"' + 'x'.repeat(frameBytesMax) + '"}',
    deep: () => '{"from":1,"msg":' + '['.repeat(5_000) + ']'.repeat(5_000) + ',"ref":"1:1:1"}',
    notUtf8: () => '\u00ff\u00fe{',
    unknownType: (random) => encodeData(1, { type: pick(random, ['NOPE', 'DROP_TABLE', '', 'join']) }, '1:1:2', null),
    badFields: (random) => encodeData(1, pick(random, BAD_FIELDS), '1:1:3', null),
    wrongFrom: () => encodeData(3, { type: 'JOIN', term: 0 }, '3:1:1', null),
    badRef: (random) =>
      JSON.stringify({ from: 1, msg: { type: 'JOIN', term: 0 }, ref: pick(random, ['', 'x', '3:1:1', 7]) }),
    secondHello: () => encodeHello(1, null),
    validLooking: (random) => encodeData(1, pick(random, harmless), `1:99:${randomInt(random, 1, 1e6)}`, null),
    semanticForgery: (random) =>
      encodeData(1, pick(random, SEMANTIC_FORGERIES)(random), `1:98:${randomInt(random, 1, 1e6)}`, null),
  };
}
