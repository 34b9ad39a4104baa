import type { NodeId, SubmissionId } from './ids.ts';
import type { Json, JsonObject } from './json.ts';
import type { PromiseTable } from './promises.ts';

/** What the application asks a node to broadcast. The host assigns `id`, unique across the run. */
export interface Submission {
  id: SubmissionId;
  payload: string;
}

/**
 * One message handed to the application in its final order. `id` and `origin` are the host's submission id and
 * the node it was submitted at; `order` is the protocol's own ordering data (seq and term, a timestamp, a vector
 * clock), shown to people but never trusted by checkers.
 */
export interface Delivery {
  id: SubmissionId;
  origin: NodeId;
  payload: string;
  order?: JsonObject;
}

export type Role = 'leader' | 'follower' | 'candidate' | 'peer' | 'primary' | 'backup';

/** A change of role, term or leader, for the election checker and for people watching a run. */
export interface Announcement {
  role: Role;
  term?: number;
  leader?: NodeId | null;
}

/** Everything a node may do to the world. Hosts (simulator, live runtime) implement it; nodes never reach past it. */
export interface NodeContext<Message extends Json = Json> {
  readonly id: NodeId;
  /** Every node of the cluster, this one included, in ascending order. */
  readonly nodes: readonly NodeId[];
  /** Every other node, in ascending order. */
  readonly peers: readonly NodeId[];
  send(to: NodeId, message: Message): void;
  /** Sends to every other node (not to itself), in ascending id order. */
  broadcast(message: Message): void;
  /** Arms (or re-arms) the named timer to fire after `delayMs` of this node's local time. */
  setTimer(name: string, delayMs: number): void;
  cancelTimer(name: string): void;
  /** Appends a record to this node's durable log; it survives crashes once the handler returns. */
  persist(record: Json): void;
  deliver(delivery: Delivery): void;
  /** Tells the submitting client its submission is committed (for durability checks). */
  ack(id: SubmissionId): void;
  announce(announcement: Announcement): void;
  /** This node's local clock in milliseconds; it may drift or step. */
  now(): number;
  /** This node's own seeded stream of floats in [0, 1). */
  random(): number;
  log(text: string): void;
}

/** What the host found when it read the node's log back (see ProtocolNode.start). */
export interface RecoveryReport {
  /** Records cut off the end of the log because their checksum failed (a torn write); 0 when the log was whole. */
  tornRecords: number;
}

/** What a protocol node shows about itself to a UI; read-only, never used by checkers. */
export interface NodeStatus {
  role: Role;
  term?: number;
  leader?: NodeId | null;
  delivered: number;
  details?: JsonObject;
}

/**
 * A deterministic state machine. Handlers run one at a time, to completion, and act only through the context.
 * A fresh instance is built on every start, so all volatile state lives in the instance and all durable state
 * comes back through `recovered`.
 */
export interface ProtocolNode<Message extends Json = Json> {
  /**
   * `recovered` holds every record that passed its checksum, in order. `found` says what the host cut on the way
   * (a torn last record, which a crash mid-write leaves); damage anywhere else stops the host before a node starts,
   * so a corrupt record is never handed over as data. Hosts that found nothing may leave `found` out.
   */
  start(ctx: NodeContext<Message>, recovered: readonly Json[], found?: RecoveryReport): void;
  message(ctx: NodeContext<Message>, from: NodeId, message: Message): void;
  timer(ctx: NodeContext<Message>, name: string): void;
  submit(ctx: NodeContext<Message>, submission: Submission): void;
  status(): NodeStatus;
  /**
   * Optional: this node's whole state as plain data, for the explorer's state fingerprints. Without it the
   * explorer walks the instance's fields (src/sim/state-material.ts); a node that keeps state where no field
   * reaches it (in closures) must write this. Two nodes with equal snapshots must behave alike from then on.
   */
  snapshot?(): Json;
}

export interface NodeConfig<Options> {
  id: NodeId;
  nodes: readonly NodeId[];
  options: Options;
}

/**
 * A protocol as the lab knows it: how to build its nodes, and optionally its documented defaults and what it
 * promises. Only `name` and `create` are required, so a protocol of your own is a few lines; the rest makes
 * options checkable, `check` aware of what the protocol claims, and live hosts strict about what they accept.
 */
export interface ProtocolDefinition<Options extends JsonObject = JsonObject> {
  name: string;
  create(config: NodeConfig<Options>): ProtocolNode;
  /** One line about what it does (shown by `tob-lab list`). */
  summary?: string;
  /** Default options; a scenario or --options may set only these keys (default: none). */
  defaults?: Options;
  /** One line per option: what it means, with its unit. */
  optionDocs?: Partial<Record<keyof Options & string, string>>;
  /** What the protocol claims, by property and fault class (default: nothing promised). */
  promises?: PromiseTable;
  /**
   * True when `value` is a message this protocol sends; hosts drop anything else before a handler sees it
   * (default: any JSON value is accepted).
   */
  isMessage?(value: unknown): boolean;
  /** For the shipped protocols: the source project in shared/seeds/ whose documented design this reproduces. */
  seeds?: string[];
}

/** A protocol that ships with the lab: every optional field is filled in and each option is documented. */
export type ShippedProtocol<Options extends JsonObject = JsonObject> = ProtocolDefinition<Options> &
  Required<Omit<ProtocolDefinition<Options>, 'optionDocs'>> & { optionDocs: Record<keyof Options & string, string> };

/** The optional parts of a definition filled in with their defaults, for the code that reads them. */
export function protocolDefaults(protocol: ProtocolDefinition): JsonObject {
  return protocol.defaults ?? {};
}

export function protocolPromises(protocol: ProtocolDefinition): PromiseTable {
  return protocol.promises ?? {};
}

export function acceptsMessage(protocol: ProtocolDefinition, value: unknown): boolean {
  return protocol.isMessage === undefined ? true : protocol.isMessage(value);
}
