import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Bytes } from './messages.ts';
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
});
