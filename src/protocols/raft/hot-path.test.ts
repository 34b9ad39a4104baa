import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodedBytes,
  entryBytes,
  type Entry,
  forwardedBytes,
  isRaftMessage,
  stringBytes,
  utf8Bytes,
} from './messages.ts';
import { Outbox } from './outbox.ts';
import { LeaderProgress } from './progress.ts';

describe('raft hot path', () => {
  it('utf8Bytes counts what TextEncoder encodes, surrogates and all', () => {
    const encoder = new TextEncoder();
    for (const text of ['', 'ascii', 'é', '€', '😀', 'a\ud800b', '\udc00', '\ud83d', 'x😀é€\ud800']) {
      expect(utf8Bytes(text)).toBe(encoder.encode(text).length);
    }
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => utf8Bytes(text) === encoder.encode(text).length),
      { numRuns: 500, seed: 15 },
    );
  });

  it('majorityIndex is the index a majority holds, as sorting the match indexes descending gives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 0, maxLength: 30 }),
        (own, matches) => {
          const peers = matches.map((_, index) => index + 2);
          const progress = new LeaderProgress(peers, own);
          matches.forEach((match, index) => progress.matched(peers[index], match));
          const sorted = [own, ...matches].sort((a, b) => b - a);
          return progress.majorityIndex(own, peers.length + 1) === sorted[Math.floor((peers.length + 1) / 2)];
        },
      ),
      { numRuns: 500, seed: 15 },
    );
  });

  it('majorityIndex and the progress indexes stay exact over a run of replies, up and down', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.nat(12), fc.integer({ min: 0, max: 60 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
        (peerCount, steps) => {
          const peers = Array.from({ length: peerCount }, (_, index) => index + 2);
          const progress = new LeaderProgress(peers, 0);
          const matches = new Map(peers.map((peer) => [peer, 0]));
          let own = 0;
          for (const [which, value, failed] of steps) {
            if (which === 0)
              own = value; // the leader's own last index (down too)
            else {
              const peer = peers[(which - 1) % peerCount] as number;
              const match = matches.get(peer) ?? 0;
              if (!failed) {
                progress.matched(peer, value);
                matches.set(peer, Math.max(match, value));
              } else {
                // A failure reply asking for `value`: at or below the match index, the follower lost entries.
                progress.retryFrom(peer, value, 100);
                if (value <= match) matches.set(peer, Math.max(0, value - 1));
                const expectedNext = Math.min(Math.max((matches.get(peer) ?? 0) + 1, value), 101);
                if (progress.nextIndex(peer) !== expectedNext) return false;
              }
              if (progress.matchIndex(peer) !== matches.get(peer)) return false;
            }
            const sorted = [own, ...matches.values()].sort((a, b) => b - a);
            if (progress.majorityIndex(own, peerCount + 1) !== sorted[Math.floor((peerCount + 1) / 2)]) return false;
          }
          return true;
        },
      ),
      { numRuns: 300, seed: 15 },
    );
  });

  it('entry, submission and string byte counts are what JSON encoding gives, escapes and all', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u007f', 'é'));
    const whole = fc.oneof(fc.nat(), fc.constantFrom(0, 2 ** 48, Number.MAX_SAFE_INTEGER, -0));
    const entry: fc.Arbitrary<Entry> = fc.oneof(
      fc.record({ term: whole }),
      fc.record({ term: whole, origin: whole, seq: whole, id: text, payload: text }),
    );
    fc.assert(
      fc.property(entry, (value) => entryBytes(value) === encodedBytes(value)),
      { numRuns: 1000, seed: 15 },
    );
    fc.assert(
      fc.property(
        fc.record({ seq: whole, id: text, payload: text }),
        (value) => forwardedBytes(value) === encodedBytes(value),
      ),
      { numRuns: 1000, seed: 15 },
    );
    fc.assert(
      fc.property(text, (value) => stringBytes(value) === encodedBytes(value)),
      { numRuns: 1000, seed: 15 },
    );
    // Key order does not matter, and a shape that is neither entry is encoded rather than guessed.
    expect(entryBytes({ payload: 'p', id: 'i', seq: 1, origin: 2, term: 3 } as Entry)).toBe(
      encodedBytes({ term: 3, origin: 2, seq: 1, id: 'i', payload: 'p' }),
    );
    const odd = { term: 1, extra: 'x' } as unknown as Entry;
    expect(entryBytes(odd)).toBe(encodedBytes(odd));
  });

  it('messages are checked key by key without key arrays: missing, extra and inherited keys as before', () => {
    const vote = { type: 'VOTE', term: 1, lastLogIndex: 0, lastLogTerm: 0, pre: true };
    expect(isRaftMessage(vote)).toBe(true);
    const { pre: _pre, ...withoutPre } = vote;
    expect(isRaftMessage(withoutPre)).toBe(false);
    expect(isRaftMessage({ ...vote, pre: undefined })).toBe(false);
    expect(isRaftMessage({ ...withoutPre, other: true })).toBe(false);
    const entries = [{ term: 1 }, { term: 1, origin: 2, seq: 1, id: 'a', payload: 'p' }];
    const append = { type: 'APPEND', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommit: 0 };
    expect(isRaftMessage(append)).toBe(true);
    expect(isRaftMessage({ ...append, entries: { 0: { term: 1 }, length: 1 } })).toBe(false);
    expect(isRaftMessage({ ...append, entries: [...entries, { term: 2 }] })).toBe(false);
    const prototype = Object.prototype as Record<string, unknown>;
    try {
      prototype.polluted = 1; // an inherited key is not the message's own: Object.keys never listed it either
      expect(isRaftMessage(vote)).toBe(true);
      expect(isRaftMessage(withoutPre)).toBe(false);
    } finally {
      delete prototype.polluted;
    }
    // Keys in another order are the same message; a key that is only inherited, even the last one, is missing.
    const reply = { type: 'APPEND_RESP', term: 1, success: true, index: 3 };
    expect(isRaftMessage(reply)).toBe(true);
    expect(isRaftMessage({ index: 3, success: true, term: 1, type: 'APPEND_RESP' })).toBe(true);
    const { index: _index, ...withoutIndex } = reply;
    expect(isRaftMessage(Object.assign(Object.create({ index: 3 }) as object, withoutIndex))).toBe(false);
    expect(isRaftMessage({ ...reply, 0: 'x' })).toBe(false);
    const entry = { term: 1, origin: 2, seq: 1, id: 'a', payload: 'p' };
    const reordered = { payload: 'p', id: 'a', seq: 1, origin: 2, term: 1 };
    expect(isRaftMessage({ ...append, entries: [reordered] })).toBe(true);
    const { payload: _payload, ...withoutPayload } = entry;
    const inherited = Object.assign(Object.create({ payload: 'p' }) as object, withoutPayload);
    expect(isRaftMessage({ ...append, entries: [inherited] })).toBe(false);
  });

  it('the outbox queue keeps what a map of pending submissions by seq kept, batches and all', () => {
    // Mostly submissions, so that the queue grows past the point where it drops its applied prefix.
    const step = fc.oneof(
      { arbitrary: fc.record({ add: fc.string({ maxLength: 12 }) }), weight: 4 },
      { arbitrary: fc.record({ applied: fc.nat(300) }), weight: 1 },
      {
        arbitrary: fc.record({
          count: fc.integer({ min: 1, max: 6 }),
          bytes: fc.nat(120),
          after: fc.nat(300),
          upto: fc.nat(310),
        }),
        weight: 1,
      },
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 100, maxLength: 400 }), (steps) => {
        const outbox = new Outbox();
        const model = new Map<number, { seq: number; id: string; payload: string }>();
        for (const each of steps) {
          if ('add' in each) {
            const added = outbox.add(`s${model.size}`, each.add);
            model.set(added.seq, added);
          } else if ('applied' in each) {
            outbox.applied(each.applied);
            for (const seq of [...model.keys()]) if (seq <= each.applied) model.delete(seq);
          } else {
            const expected: unknown[] = [];
            let bytes = 0;
            for (const submission of model.values()) {
              if (submission.seq <= each.after) continue;
              if (expected.length >= each.count || submission.seq > each.upto) break;
              const size = forwardedBytes(submission);
              if (expected.length > 0 && bytes + size > each.bytes) break;
              expected.push(submission);
              bytes += size;
            }
            expect(outbox.batch(each.count, each.bytes, each.after, each.upto)).toEqual(expected);
          }
          expect(outbox.size).toBe(model.size);
        }
      }),
      { numRuns: 100, seed: 15 },
    );
  });
});
