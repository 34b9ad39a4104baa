import type { ShippedProtocol } from '../../core/node.ts';
import { isPrimaryBackupMessage } from './messages.ts';
import { PrimaryBackupNode } from './node.ts';
import {
  primaryBackupDefaults,
  primaryBackupOptionDocs,
  type PrimaryBackupOptions,
  validatePrimaryBackupOptions,
} from './options.ts';
import { primaryBackupPromises } from './promises.ts';

export type { PrimaryBackupOptions } from './options.ts';
export type { PrimaryBackupMessage } from './messages.ts';

export const primaryBackup: ShippedProtocol<PrimaryBackupOptions> = {
  name: 'primary-backup',
  seeds: ['003'],
  summary:
    'Highest live node is primary: it numbers, delivers and replicates; backups deliver at once in sequence; Bully election on primary failure, no terms.',
  defaults: primaryBackupDefaults,
  optionDocs: primaryBackupOptionDocs,
  promises: primaryBackupPromises,
  create: (config) => new PrimaryBackupNode(config.id, config.nodes, validatePrimaryBackupOptions(config.options)),
  isMessage: isPrimaryBackupMessage,
};
