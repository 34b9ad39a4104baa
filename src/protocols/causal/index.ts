import type { ShippedProtocol } from '../../core/node.ts';
import { isCausalMessage } from './messages.ts';
import { CausalNode } from './node.ts';
import { causalDefaults, causalOptionDocs, type CausalOptions, validateCausalOptions } from './options.ts';
import { causalPromises } from './promises.ts';

export type { CausalOptions } from './options.ts';
export type { CausalMessage } from './messages.ts';

export const causal: ShippedProtocol<CausalOptions> = {
  name: 'causal',
  seeds: ['002'],
  summary:
    'Vector-clock causal broadcast: early messages wait in a buffer for their causal past (causal, not total, order).',
  defaults: causalDefaults,
  optionDocs: causalOptionDocs,
  promises: causalPromises,
  create: (config) => new CausalNode(config.id, config.nodes, validateCausalOptions(config.options)),
  isMessage: isCausalMessage,
};
