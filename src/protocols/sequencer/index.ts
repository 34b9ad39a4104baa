import type { ShippedProtocol } from '../../core/node.ts';
import { isSequencerMessage } from './messages.ts';
import { SequencerNode } from './node.ts';
import { sequencerDefaults, sequencerOptionDocs, validateSequencerOptions, type SequencerOptions } from './options.ts';
import { sequencerPromises } from './promises.ts';

export { sequencerRetryDedupPromises } from './promises.ts';
export { sequencerDefaults, type SequencerOptions } from './options.ts';

export const sequencer: ShippedProtocol<SequencerOptions> = {
  name: 'sequencer',
  seeds: ['001', '004'],
  summary: 'Leader numbers every message; Bully election with terms; heartbeats; durable log; catch-up on rejoin.',
  defaults: sequencerDefaults,
  optionDocs: sequencerOptionDocs,
  promises: sequencerPromises,
  create: (config) => new SequencerNode(config.id, validateSequencerOptions(config.options)),
  isMessage: isSequencerMessage,
};
