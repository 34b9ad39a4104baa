/** The properties the checkers judge. Names are the checker names used by scenarios and the CLI. */
export const PROPERTIES = [
  'total-order',
  'exactly-once',
  'causal-order',
  'fifo-order',
  'election-safety',
  'eventual-delivery',
  'durability',
] as const;
export type Property = (typeof PROPERTIES)[number];

/** Classes of fault a promise can be made under; "none" is a fault-free run. */
export const FAULT_CLASSES = [
  'none',
  'delay',
  'loss',
  'duplication',
  'crash',
  'crash-restart',
  'partition',
  'clock-drift',
  'storage',
] as const;
export type FaultClass = (typeof FAULT_CLASSES)[number];

export interface PromiseEntry {
  /** Fault classes under which the property holds, as the protocol claims. */
  holds: FaultClass[];
  /** Fault classes under which the documented design is known to break it (what property search must show). */
  breaks?: FaultClass[];
  /** Why, in one or two sentences. */
  note?: string;
}

/** Which properties a protocol promises, under which fault classes. Properties left out are not promised at all. */
export type PromiseTable = Partial<Record<Property, PromiseEntry>>;

export function isProperty(value: string): value is Property {
  return (PROPERTIES as readonly string[]).includes(value);
}

export function isFaultClass(value: string): value is FaultClass {
  return (FAULT_CLASSES as readonly string[]).includes(value);
}

export function promises(table: PromiseTable, property: Property, fault: FaultClass): boolean {
  return table[property]?.holds.includes(fault) ?? false;
}
