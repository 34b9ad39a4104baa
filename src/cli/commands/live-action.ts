import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JsonObject } from '../../core/json.ts';
import type { ProtocolDefinition } from '../../core/node.ts';
import { isModulePath, loadProtocolModule } from '../../scenarios/user-module.ts';
import {
  checkOptions,
  checkSecret,
  FRAME_BYTES_MAX_DEFAULT,
  formatAddress,
  ListenError,
  LiveConfigError,
  LiveNode,
  parseClusterFile,
  parseFrameBytesMax,
  parseNodeId,
  parseOptions,
  parsePeers,
  printEvents,
  resolveLiveProtocol,
  runHeadless,
  StorageError,
  type Address,
  type ClusterFile,
  type LiveNodeConfig,
} from '../../live/index.ts';
import { EXIT_INTERNAL, EXIT_STORAGE, parseSeed, StorageExit, UsageError } from '../errors.ts';
import type { CommandIo } from '../io.ts';

interface LiveFlags {
  id?: string;
  peers?: string;
  config?: string;
  protocol?: string;
  data?: string;
  options?: string;
  secret?: string;
  seed?: string;
  headless?: boolean;
  maxFrameBytes?: string;
  allowInsecure?: boolean;
  sync?: boolean;
}

import { DATA_DIR_DEFAULT } from '../../live/limits.ts';

/** The work of `tob-lab live`, loaded only when the command runs (so `--help` starts fast). */
export async function liveAction(io: CommandIo, flags: LiveFlags): Promise<void> {
  // A protocol of the user's loads (asynchronously) before the settings are read.
  const userProtocol =
    flags.protocol !== undefined && isModulePath(flags.protocol)
      ? await loadProtocolModule(flags.protocol, io.cwd)
      : undefined;
  const config = settingsFrom(flags, io.cwd, process.env, userProtocol);
  checkExposure(config, flags.allowInsecure === true, io);
  const node = new LiveNode(config);
  const headless = flags.headless === true || io.interactive !== true || process.stdin.isTTY !== true;
  try {
    if (headless) await runHeadlessNode(node, io);
    else await runChatNode(node, io);
  } finally {
    // Whatever went wrong after the start, the sockets and timers must close, or the process would linger.
    await node.stop();
  }
  const reason = await node.stopped;
  if (node.storageFailure !== null) io.setExitCode(EXIT_STORAGE);
  else if (reason !== null) io.setExitCode(EXIT_INTERNAL);
}

async function startNode(node: LiveNode): Promise<void> {
  try {
    await node.start();
  } catch (error) {
    if (error instanceof ListenError || error instanceof LiveConfigError) throw new UsageError(error.message);
    if (error instanceof StorageError) throw new StorageExit(error.message);
    throw error;
  }
}

async function runHeadlessNode(node: LiveNode, io: CommandIo): Promise<void> {
  const unsubscribe = printEvents(node, io);
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGTERM', abort);
  process.once('SIGINT', abort);
  try {
    await startNode(node);
    await runHeadless(node, {
      input: process.stdin,
      write: io.write,
      writeError: io.writeError,
      signal: controller.signal,
    });
  } finally {
    process.off('SIGTERM', abort);
    process.off('SIGINT', abort);
    unsubscribe();
  }
}

async function runChatNode(node: LiveNode, io: CommandIo): Promise<void> {
  await startNode(node);
  const address = node.listenAddress === null ? '' : ` on ${formatAddress(node.listenAddress)}`;
  // Loaded here only: the headless path and the core never pull in ink or react.
  const { runChat } = await import('../ui/chat-app.tsx');
  const stop = () => void node.stop();
  process.once('SIGTERM', stop);
  try {
    await runChat(node, `tob-lab live · node ${node.id} · ${node.protocol.name}${address}`);
  } finally {
    process.off('SIGTERM', stop);
  }
  io.write(`node ${node.id} stopped; its log and history are in ${node.dataDir}\n`);
}

/**
 * Without a secret a hello is taken at its word: any process that can reach the port can speak for any peer
 * (claim to lead, forge numbered messages). On loopback that is said at start-up; on any other address it needs
 * --allow-insecure.
 */
function checkExposure(config: LiveNodeConfig, allowInsecure: boolean, io: CommandIo): void {
  if ((config.secret ?? null) !== null) return;
  const own = config.addresses.get(config.id) as Address;
  const loopback = own.host === '127.0.0.1' || own.host === '::1' || own.host === 'localhost';
  if (!loopback && !allowInsecure) {
    throw new UsageError(
      `node ${config.id} would listen on ${formatAddress(own)} without a secret, where anyone who can reach it can ` +
        'speak for any peer; set --secret (or TOB_LAB_SECRET), or pass --allow-insecure if that is what you want',
    );
  }
  io.writeError(
    `tob-lab: warning: node ${config.id} runs without a secret: any process that can reach ${formatAddress(own)} ` +
      'can speak for any peer; set --secret or TOB_LAB_SECRET to sign every frame\n',
  );
}

/** Every flag, the cluster file and the environment, validated once, into the host's configuration. */
export function settingsFrom(
  flags: LiveFlags,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  userProtocol?: ProtocolDefinition,
): LiveNodeConfig {
  try {
    const file = clusterFile(flags, cwd);
    const addresses = file?.peers ?? parsePeers(requireFlag(flags.peers, '--peers (or --config)'));
    const id = parseNodeId(requireFlag(flags.id, '--id'), '--id');
    if (!addresses.has(id)) {
      throw new LiveConfigError(`--id ${id} is not in the cluster (nodes ${[...addresses.keys()].join(', ')})`);
    }
    if (addresses.size < 2) throw new LiveConfigError('a cluster needs at least two nodes; list the others in --peers');
    const protocol = userProtocol ?? resolveLiveProtocol(flags.protocol ?? file?.protocol ?? 'sequencer');
    const options = optionsFrom(flags, file, protocol);
    checkOptions(
      protocol,
      [...addresses.keys()],
      options,
      flags.options !== undefined
        ? '--options'
        : file?.options !== undefined
          ? '"options" in --config'
          : `protocol ${protocol.name} (its create() with the default options)`,
    );
    const secretText = flags.secret ?? file?.secret ?? env.TOB_LAB_SECRET;
    const secretWhere =
      flags.secret !== undefined ? '--secret' : file?.secret !== undefined ? '"secret"' : 'TOB_LAB_SECRET';
    return {
      id,
      addresses,
      protocol,
      options,
      dataDir: resolve(cwd, flags.data ?? DATA_DIR_DEFAULT),
      secret: secretText === undefined || secretText === '' ? null : checkSecret(secretText, secretWhere),
      seed: flags.seed !== undefined ? parseSeed(flags.seed) : file?.seed,
      syncLog: flags.sync !== false,
      frameBytesMax:
        flags.maxFrameBytes === undefined ? FRAME_BYTES_MAX_DEFAULT : parseFrameBytesMax(flags.maxFrameBytes),
    };
  } catch (error) {
    if (error instanceof LiveConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function requireFlag(value: string | undefined, name: string): string {
  if (value === undefined) throw new LiveConfigError(`${name} is required; see tob-lab live --help`);
  return value;
}

function clusterFile(flags: LiveFlags, cwd: string): ClusterFile | null {
  if (flags.config === undefined) return null;
  if (flags.peers !== undefined) throw new LiveConfigError('give either --config or --peers, not both');
  const path = resolve(cwd, flags.config);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new LiveConfigError(
      `cannot read --config ${flags.config}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LiveConfigError(`--config ${flags.config} is not valid JSON`);
  }
  return parseClusterFile(value, `--config ${flags.config}`);
}

function optionsFrom(flags: LiveFlags, file: ClusterFile | null, protocol: LiveNodeConfig['protocol']): JsonObject {
  const fromFile = file?.options === undefined ? {} : parseOptions(file.options, protocol, `"options" in --config`);
  const fromFlag = flags.options === undefined ? {} : parseOptions(flags.options, protocol, '--options');
  return { ...fromFile, ...fromFlag };
}
