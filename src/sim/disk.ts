import { invariant } from '../core/assert.ts';
import type { Json } from '../core/json.ts';

/** What reading the log back at a restart gives: the good records, or the index of damage that stops the node. */
export type Recovery = { ok: true; records: Json[]; tornRecords: number } | { ok: false; corruptIndex: number };

/**
 * A node's simulated durable log, with the storage faults of TigerBeetle's model that this contract can suffer.
 * Each record stands for a line with a checksum: damage is a mark on the record, invisible until the log is
 * read back at a restart, where it is found exactly as the live host finds a failing checksum: a damaged last
 * record is a torn write and is cut off; damage anywhere else is refused (the node does not start), because
 * cutting there would throw away records promised durable and reading past it would take garbage for data.
 */
export class SimulatedDisk {
  private readonly records: Json[] = [];
  private readonly damaged = new Set<number>();
  /** While full, every append fails (the host stops the node before the handler's effects leave). */
  full = false;

  get length(): number {
    return this.records.length;
  }

  append(record: Json): void {
    invariant(!this.full, 'append to a full disk: the host must check `full` before it syncs');
    this.records.push(record);
  }

  /** Marks the record at `index` as failing its checksum. */
  damage(index: number): void {
    invariant(
      Number.isInteger(index) && index >= 0 && index < this.records.length,
      () => `no record ${index} to damage`,
    );
    this.damaged.add(index);
  }

  /** Everything later reads can depend on (for the explorer's state fingerprints). */
  stateMaterial(): Json {
    return [this.records, [...this.damaged].sort((a, b) => a - b), this.full];
  }

  /** Reads the log back, cutting a torn tail off for good, as a restart does. */
  recover(): Recovery {
    let tornRecords = 0;
    // A torn write can only be the last record; a run of damaged records at the end is torn only in its last one.
    const last = this.records.length - 1;
    if (last >= 0 && this.damaged.has(last)) {
      this.damaged.delete(last);
      this.records.pop();
      tornRecords = 1;
    }
    if (this.damaged.size > 0) return { ok: false, corruptIndex: Math.min(...this.damaged) };
    return { ok: true, records: this.records.slice(), tornRecords };
  }
}
