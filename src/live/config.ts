import { isNodeId, type NodeId } from '../core/ids.ts';
import type { Json, JsonObject } from '../core/json.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { didYouMean } from '../core/suggest.ts';
import { protocolByName, protocolNames } from '../protocols/index.ts';
import { FRAME_BYTES_FLOOR } from '../protocols/shared/schema.ts';

/** A mistake in the live configuration that the user can fix; the CLI turns it into exit 64. */
export class LiveConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveConfigError';
  }
}

export interface Address {
  host: string;
  port: number;
}

/** The default bind host: nothing is reachable from another machine unless someone writes an address. */
export const LOOPBACK_HOST = '127.0.0.1';
export { FRAME_BYTES_MAX_DEFAULT } from './limits.ts';
/**
 * Frames below this could not carry a full catch-up batch or the largest legal entry (see protocols/shared/schema);
 * above the maximum one frame could exhaust memory.
 */
const FRAME_BYTES_MAX_MIN = FRAME_BYTES_FLOOR;
const FRAME_BYTES_MAX_MAX = 64 * 1024 * 1024;
const NODES_MAX = 64;
const SECRET_BYTES_MIN = 8;

export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** "127.0.0.1:7001", "[::1]:7001", "localhost:7001", or a bare port "7001" (loopback). Port 0 asks the OS. */
export function parseAddress(text: string, where: string): Address {
  const trimmed = text.trim();
  const match =
    /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(trimmed) ?? /^()()(\d{1,5})$/.exec(trimmed);
  if (match === null) {
    throw new LiveConfigError(`${where}: "${text}" is not an address; write HOST:PORT (127.0.0.1:7001) or a port`);
  }
  const port = Number(match[3]);
  if (port > 65_535) throw new LiveConfigError(`${where}: port ${port} is above 65535`);
  const host = match[1] || match[2] || LOOPBACK_HOST;
  return { host, port };
}

/** "1=127.0.0.1:7001,2=127.0.0.1:7002,3=7003" -> addresses by node id, every node of the cluster. */
export function parsePeers(text: string): Map<NodeId, Address> {
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (entries.length === 0)
    throw new LiveConfigError('--peers is empty; write ID=HOST:PORT for every node, comma-separated');
  const addresses = new Map<NodeId, Address>();
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 0)
      throw new LiveConfigError(`--peers: "${entry}" has no "="; write ID=HOST:PORT, e.g. 2=127.0.0.1:7002`);
    const id = parseNodeId(entry.slice(0, equals), `--peers entry "${entry}"`);
    if (addresses.has(id)) throw new LiveConfigError(`--peers names node ${id} twice`);
    addresses.set(id, parseAddress(entry.slice(equals + 1), `--peers entry for node ${id}`));
  }
  return checkCluster(addresses, '--peers');
}

export function parseNodeId(text: string, where: string): NodeId {
  const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!isNodeId(value) || value > 1_000_000) {
    throw new LiveConfigError(`${where}: node ids are whole numbers from 1, got "${text}"`);
  }
  return value;
}

function checkCluster(addresses: Map<NodeId, Address>, where: string): Map<NodeId, Address> {
  if (addresses.size > NODES_MAX)
    throw new LiveConfigError(`${where}: at most ${NODES_MAX} nodes, got ${addresses.size}`);
  const seen = new Map<string, NodeId>();
  for (const [id, address] of addresses) {
    const key = formatAddress(address);
    const other = seen.get(key);
    if (other !== undefined && address.port !== 0) {
      throw new LiveConfigError(`${where}: nodes ${other} and ${id} both have the address ${key}`);
    }
    seen.set(key, id);
  }
  return new Map([...addresses.entries()].sort((a, b) => a[0] - b[0]));
}

export function resolveLiveProtocol(name: string): ProtocolDefinition {
  const protocol = protocolByName(name);
  if (protocol === undefined) {
    throw new LiveConfigError(`unknown protocol "${name}"; choose one of: ${protocolNames().join(', ')}`);
  }
  return protocol;
}

/** Options as JSON text or data: an object whose keys the protocol knows, each of its default's type. */
export function parseOptions(value: unknown, protocol: ProtocolDefinition, where: string): JsonObject {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new LiveConfigError(`${where} is not valid JSON; write an object such as '{"heartbeatIntervalMs":500}'`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LiveConfigError(`${where} must be a JSON object of ${protocol.name} options`);
  }
  const defaults = protocol.defaults ?? {};
  const known = Object.keys(defaults);
  for (const [key, option] of Object.entries(parsed as Record<string, unknown>)) {
    if (!known.includes(key)) {
      throw new LiveConfigError(
        `${where}: "${key}" is not an option of ${protocol.name}${didYouMean(key, known)} (its options: ${known.join(', ') || 'none'})`,
      );
    }
    const expected = typeof defaults[key];
    if (typeof option !== expected || (expected === 'number' && !Number.isFinite(option))) {
      throw new LiveConfigError(`${where}: ${key} must be a ${expected}, got ${JSON.stringify(option)}`);
    }
  }
  return parsed as JsonObject;
}

/**
 * Range-checks merged options by building one node with them: each protocol's own validator says what is wrong
 * and what would be valid, here at parse time (exit 64) rather than when a leader first uses the value.
 */
export function checkOptions(
  protocol: ProtocolDefinition,
  nodes: readonly NodeId[],
  options: JsonObject,
  where: string,
): void {
  try {
    protocol.create({ id: nodes[0], nodes, options: { ...protocol.defaults, ...options } });
  } catch (error) {
    throw new LiveConfigError(`${where}: ${(error as Error).message}`);
  }
}

export function checkSecret(secret: string, where: string): string {
  if (Buffer.byteLength(secret) < SECRET_BYTES_MIN) {
    throw new LiveConfigError(
      `${where}: a secret needs at least ${SECRET_BYTES_MIN} bytes; a longer random one is better`,
    );
  }
  return secret;
}

export function parseFrameBytesMax(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= FRAME_BYTES_MAX_MIN && value <= FRAME_BYTES_MAX_MAX)) {
    throw new LiveConfigError(
      `--max-frame-bytes must be a whole number from ${FRAME_BYTES_MAX_MIN} to ${FRAME_BYTES_MAX_MAX}, got "${text}"`,
    );
  }
  return value;
}

/** What a cluster file holds: {protocol, peers: {"1": "127.0.0.1:7001", ...}, options?, secret?, seed?}. */
export interface ClusterFile {
  protocol?: string;
  peers: Map<NodeId, Address>;
  options?: Json;
  secret?: string;
  seed?: number;
}

const CLUSTER_KEYS = ['protocol', 'peers', 'options', 'secret', 'seed'];

/** Validates a parsed cluster file; `where` names the file in every message. */
export function parseClusterFile(value: unknown, where: string): ClusterFile {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LiveConfigError(`${where} must hold a JSON object {protocol, peers, options?, secret?}`);
  }
  const data = value as Record<string, unknown>;
  for (const key of Object.keys(data)) {
    if (!CLUSTER_KEYS.includes(key)) {
      throw new LiveConfigError(`${where}: unknown key "${key}"; known keys: ${CLUSTER_KEYS.join(', ')}`);
    }
  }
  if (data.protocol !== undefined && typeof data.protocol !== 'string') {
    throw new LiveConfigError(`${where}: "protocol" must be a protocol name such as "sequencer"`);
  }
  if (data.secret !== undefined && typeof data.secret !== 'string')
    throw new LiveConfigError(`${where}: "secret" must be a string`);
  if (data.seed !== undefined && !(Number.isSafeInteger(data.seed) && (data.seed as number) >= 0)) {
    throw new LiveConfigError(`${where}: "seed" must be a whole number >= 0`);
  }
  return {
    protocol: data.protocol as string | undefined,
    peers: peersFromObject(data.peers, where),
    options: data.options as Json | undefined,
    secret: data.secret as string | undefined,
    seed: data.seed as number | undefined,
  };
}

function peersFromObject(value: unknown, where: string): Map<NodeId, Address> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
    throw new LiveConfigError(`${where}: "peers" must map every node id to its address, e.g. {"1": "127.0.0.1:7001"}`);
  }
  const addresses = new Map<NodeId, Address>();
  for (const [key, address] of Object.entries(value as Record<string, unknown>)) {
    const id = parseNodeId(key, `${where}: peers key "${key}"`);
    if (typeof address !== 'string') throw new LiveConfigError(`${where}: the address of node ${id} must be a string`);
    addresses.set(id, parseAddress(address, `${where}: peers["${key}"]`));
  }
  return checkCluster(addresses, `${where}: peers`);
}
