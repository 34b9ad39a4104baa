import { describe, expect, it } from 'vitest';
import { check } from 'tob-lab';
import { testProtocol } from 'tob-lab/vitest';
import { gossipChat } from './gossip-chat.ts';

describe('gossip-chat', () => {
  // One line: fails with the minimal schedule and the command that repeats the search, unless every promise
  // holds under these faults (a weakness the promise table lists passes).
  testProtocol(gossipChat, { faults: ['crash', 'duplication'], runs: 100, seed: 1 });

  it('loses FIFO order under delay, as its promise table says', async () => {
    const result = await check({
      protocol: gossipChat,
      faults: ['delay'],
      properties: ['fifo-order'],
      runs: 100,
      seed: 3,
    });
    expect(result.passed).toBe(true);
    expect(result.violation?.standing).toBe('known-weakness');
    expect(result.violation?.source).toContain('export default scenario({');
  });
});
