import type { ShippedProtocol } from '../../core/node.ts';
import { isIsisMessage } from './messages.ts';
import { IsisNode } from './node.ts';
import { isisDefaults, isisOptionDocs, validateIsisOptions, type IsisOptions } from './options.ts';
import { isisPromises } from './promises.ts';

export type { IsisOptions } from './options.ts';
export { isisDefaults } from './options.ts';

export const isis: ShippedProtocol<IsisOptions> = {
  name: 'isis',
  seeds: ['000'],
  summary:
    'ISIS total order: Lamport clocks, proposals collected from every peer with a 5 s timeout fallback, max proposal is final.',
  defaults: isisDefaults,
  optionDocs: isisOptionDocs,
  promises: isisPromises,
  create: (config) => new IsisNode(config.id, config.nodes, validateIsisOptions(config.options)),
  isMessage: isIsisMessage,
};
