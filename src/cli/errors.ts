import { InvariantError } from '../core/assert.ts';
import { ScenarioError } from '../scenarios/errors.ts';

export const EXIT_USAGE = 64;
/** An internal error: a bug in tob-lab itself, not in the user's input or the protocol under test. */
export const EXIT_INTERNAL = 70;
/**
 * A node's storage failed or is damaged (sysexits EX_IOERR): a full disk, a read-only file system, a permission,
 * a log record that fails its checksum. Nothing already persisted was lost; a person has to look.
 */
export const EXIT_STORAGE = 74;

/** The disk, not the user or tob-lab: exit EXIT_STORAGE with the message. */
export class StorageExit extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageExit';
  }
}

/** Something the user typed or wrote that they can fix. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one place every command's errors end: a clear line on stderr and an exit code, never a stack trace. */
export function reportError(error: unknown, writeError: (text: string) => void): number {
  if (error instanceof UsageError || error instanceof ScenarioError) {
    writeError(`tob-lab: ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof StorageExit) {
    writeError(`tob-lab: storage error: ${error.message}\n`);
    return EXIT_STORAGE;
  }
  if (error instanceof InvariantError) {
    writeError(`tob-lab: invariant broken: ${error.message}\n`);
    return EXIT_INTERNAL;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  writeError(`tob-lab: internal error (please report it with the command you ran):\n${text}\n`);
  return EXIT_INTERNAL;
}

/** Parses a seed: a whole number from 0 to 2^53 - 1. */
export function parseSeed(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--seed must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, got "${text}"`);
  }
  return Number(text);
}
