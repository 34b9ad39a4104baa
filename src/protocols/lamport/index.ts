import type { ShippedProtocol } from '../../core/node.ts';
import { isLamportMessage } from './messages.ts';
import { LamportNode } from './node.ts';
import { lamportDefaults, lamportOptionDocs, validateLamportOptions, type LamportOptions } from './options.ts';
import { lamportPromises } from './promises.ts';

export type { LamportOptions, Stability } from './options.ts';
export { lamportDefaults } from './options.ts';
export { lamportAllPeersPromises } from './promises.ts';

export const lamport: ShippedProtocol<LamportOptions> = {
  name: 'lamport',
  seeds: ['003'],
  summary:
    'Lamport-timestamp total order over gossip (fanout 3): holdback ordered by (ts, origin), delivered when stable.',
  defaults: lamportDefaults,
  optionDocs: lamportOptionDocs,
  promises: lamportPromises,
  create: (config) => new LamportNode(config.id, config.nodes, validateLamportOptions(config.options)),
  isMessage: isLamportMessage,
};
