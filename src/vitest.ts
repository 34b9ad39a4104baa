/**
 * `tob-lab/vitest`: property tests of a protocol in one line.
 *
 *   import { testProtocol } from 'tob-lab/vitest';
 *   testProtocol(myProtocol, { faults: ['crash', 'delay'], runs: 100, seed: 1 });
 *
 * registers a vitest test that runs check() and fails with the minimal schedule, the promise-table standing and
 * the command that repeats the search, unless the protocol keeps its promises (known weaknesses pass; `strict`
 * fails on them too). Needs vitest in the user's project; the package itself does not depend on it.
 */
import { it } from 'vitest';
import type { ProtocolDefinition } from './core/node.ts';
import { assertCheck, type CheckOptions } from './search/check.ts';

/** A search runs many simulated clusters; the default vitest timeout of 5 s is too short for most. */
const TEST_TIMEOUT_MS_DEFAULT = 120_000;

export interface TestProtocolOptions extends Omit<CheckOptions, 'protocol'> {
  /** The test's name (default: "<protocol> keeps its promises under <faults>"). */
  name?: string;
  timeoutMs?: number;
}

export function testProtocol(protocol: string | ProtocolDefinition, options: TestProtocolOptions = {}): void {
  const { name, timeoutMs, ...checkOptions } = options;
  const protocolName = typeof protocol === 'string' ? protocol : protocol.name;
  const faults = (checkOptions.faults ?? ['crash', 'partition']).join(', ');
  it(
    name ?? `${protocolName} keeps its promises under ${faults}`,
    async () => {
      await assertCheck({ ...checkOptions, protocol });
    },
    timeoutMs ?? TEST_TIMEOUT_MS_DEFAULT,
  );
}

export { assertCheck, check, CheckFailure, type CheckOptions, type CheckResult } from './search/check.ts';
