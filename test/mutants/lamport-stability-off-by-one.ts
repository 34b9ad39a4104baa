import type { NodeContext, ProtocolDefinition } from '../../src/core/node.ts';
import { lamport, type LamportOptions } from '../../src/protocols/lamport/index.ts';
import type { HeldMessage } from '../../src/protocols/lamport/holdback.ts';
import { LamportNode } from '../../src/protocols/lamport/node.ts';
import { validateLamportOptions } from '../../src/protocols/lamport/options.ts';
import { lamportAllPeersPromises } from '../../src/protocols/lamport/promises.ts';
import { stableAllPeers } from '../../src/protocols/lamport/stability.ts';

/** The parts of LamportNode the planted rule reaches (private in TypeScript, plain fields at run time). */
interface LamportInternals {
  holdback: { takeWhile(stable: (head: HeldMessage) => boolean): HeldMessage[] };
  heardClock: ReadonlyMap<number, number>;
  livePeers(ctx: NodeContext): number[];
  deliverOne(ctx: NodeContext, message: HeldMessage): void;
}

/**
 * Planted bug: the corrected 'all-peers' stability rule off by one. The head counts as stable once every live
 * peer has sent a clock >= ts - 1 instead of >= ts, so a peer whose clock is exactly ts - 1 may still send a
 * message stamped ts that sorts before the head (a lower origin), after the head was delivered.
 */
class OffByOneStability extends LamportNode {}
(OffByOneStability.prototype as unknown as { deliverStable(ctx: NodeContext): void }).deliverStable = function (
  this: LamportInternals,
  ctx: NodeContext,
): void {
  const stable = (head: HeldMessage) => stableAllPeers(head.ts - 1, this.livePeers(ctx), this.heardClock);
  for (const message of this.holdback.takeWhile(stable)) this.deliverOne(ctx, message);
};

export const lamportOffByOne: ProtocolDefinition<LamportOptions> = {
  ...lamport,
  name: 'mutant-lamport-stability-off-by-one',
  defaults: { ...lamport.defaults, stability: 'all-peers' },
  promises: lamportAllPeersPromises,
  create: (config) => new OffByOneStability(config.id, config.nodes, validateLamportOptions(config.options)),
};

/** The same protocol without the planted bug (stability 'all-peers'), to tell the bug from known weaknesses. */
export const lamportAllPeers: ProtocolDefinition<LamportOptions> = {
  ...lamport,
  name: 'lamport-all-peers',
  defaults: { ...lamport.defaults, stability: 'all-peers' },
  promises: lamportAllPeersPromises,
};
