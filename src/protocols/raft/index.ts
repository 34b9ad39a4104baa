import type { ShippedProtocol } from '../../core/node.ts';
import { isRaftMessage } from './messages.ts';
import { RaftNode } from './node.ts';
import { raftDefaults, raftOptionDocs, type RaftOptions, validateRaftOptions } from './options.ts';
import { raftPromises } from './promises.ts';

export type { RaftOptions } from './options.ts';
export { raftDefaults } from './options.ts';

export const raft: ShippedProtocol<RaftOptions> = {
  name: 'raft',
  seeds: [],
  summary:
    'Reference: Raft (Ongaro and Ousterhout 2014) as total-order broadcast: quorum elections with pre-vote, a durable replicated log, delivery of committed entries in log order.',
  defaults: raftDefaults,
  optionDocs: raftOptionDocs,
  promises: raftPromises,
  create: (config) => new RaftNode(config.id, validateRaftOptions(config.options)),
  isMessage: isRaftMessage,
};
