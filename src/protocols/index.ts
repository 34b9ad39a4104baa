import type { ShippedProtocol } from '../core/node.ts';
import { causal } from './causal/index.ts';
import { isis } from './isis/index.ts';
import { lamport, lamportAllPeersPromises } from './lamport/index.ts';
import { primaryBackup } from './primary-backup/index.ts';
import { raft } from './raft/index.ts';
import { sequencer, sequencerRetryDedupPromises } from './sequencer/index.ts';

const asDefinition = (protocol: unknown) => protocol as ShippedProtocol;

/**
 * The documented Lamport design with its corrected stability rule switched on, registered under its own name so
 * that its own promise table is held to account and people can run it by name.
 */
const lamportAllPeers: ShippedProtocol = {
  ...asDefinition(lamport),
  name: 'lamport-all-peers',
  summary:
    'lamport with the corrected stability rule (stability: all-peers): deliver once every live peer is past the head.',
  defaults: { ...lamport.defaults, stability: 'all-peers' },
  promises: lamportAllPeersPromises,
};

/**
 * The sequencer with both of its corrections switched on (retryForwards, dedupSubmissions): the variant people
 * reach for after the documented design loses forwards and numbers duplicates, held to a table of its own.
 */
const sequencerRetryDedup: ShippedProtocol = {
  ...asDefinition(sequencer),
  name: 'sequencer-retry-dedup',
  summary:
    'sequencer with its corrections on (retryForwards, dedupSubmissions): forwards retried to each new leader, ids numbered once.',
  defaults: { ...sequencer.defaults, retryForwards: true, dedupSubmissions: true },
  promises: sequencerRetryDedupPromises,
};

/** Every protocol the lab ships, by name. */
export const PROTOCOLS: readonly ShippedProtocol[] = [
  asDefinition(isis),
  asDefinition(sequencer),
  sequencerRetryDedup,
  asDefinition(lamport),
  lamportAllPeers,
  asDefinition(primaryBackup),
  asDefinition(causal),
  asDefinition(raft),
];

export function protocolByName(name: string): ShippedProtocol | undefined {
  return PROTOCOLS.find((protocol) => protocol.name === name);
}

export function protocolNames(): string[] {
  return PROTOCOLS.map((protocol) => protocol.name);
}
