import { describe, expect, it } from 'vitest';
import { promises } from '../src/core/promises.ts';
import { startInProcessCluster, waitFor } from './support/live.ts';
import { PROTOCOLS } from '../src/protocols/index.ts';

/** Every shipped protocol, unchanged, over TCP on loopback: the live host is a second host for the same nodes. */
describe.each(PROTOCOLS.map((protocol) => [protocol.name, protocol] as const))('%s over TCP', (_name, protocol) => {
  it('delivers a message from every node at every node, in one order where the protocol promises it', async () => {
    const cluster = await startInProcessCluster(3, protocol);
    try {
      cluster.nodes.forEach((watched, index) => {
        expect(watched.node.submit(`from node ${index + 1}`)).toMatchObject({ ok: true });
      });
      await waitFor(
        () => cluster.nodes.every((watched) => watched.deliveries.length === 3),
        15_000,
        '3 deliveries at every node',
      );
      const orders = cluster.nodes.map((watched) => watched.deliveries.map((delivery) => delivery.id));
      for (const order of orders) expect([...order].sort()).toEqual(['1-1-1', '2-1-1', '3-1-1']);
      if (promises(protocol.promises, 'total-order', 'none')) {
        expect(orders[1]).toEqual(orders[0]);
        expect(orders[2]).toEqual(orders[0]);
      }
    } finally {
      await cluster.stop();
    }
  });
});
