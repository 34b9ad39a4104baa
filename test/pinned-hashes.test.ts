import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../src/scenarios/index.ts';
import { REPO_ROOT } from './support/cli.ts';

// Every shipped scenario, replayed for seeds 1..20 on its own protocol and on each protocol the lab shipped when
// the hashes were pinned, must give the history hash recorded in the fixture, byte for byte. This is the guard
// for moving simulator and runner code around: a refactor that changes one event's order or time fails here.
// The protocol list is fixed (not read from the registry) so that adding a protocol does not break the pin.
// To re-pin after a change that means to alter histories (say why in the commit):
//   TOB_LAB_PIN_HASHES=write npx vitest run test/pinned-hashes.test.ts
const FIXTURE = join(REPO_ROOT, 'test/fixtures/scenario-hashes.json');
const SEEDS = Array.from({ length: 20 }, (_, index) => index + 1);
const PROTOCOLS = [
  'isis',
  'sequencer',
  'lamport',
  'lamport-all-peers',
  'primary-backup',
  'causal',
  'raft',
  'sequencer-retry-dedup',
];

type Pins = Record<string, Record<string, string[]>>;

async function computePins(): Promise<Pins> {
  const pins: Pins = {};
  const files = readdirSync(join(REPO_ROOT, 'scenarios'))
    .filter((file) => file.endsWith('.ts'))
    .sort();
  for (const file of files) {
    const { scenario } = await loadScenario(`scenarios/${file}`, REPO_ROOT);
    const byProtocol: Record<string, string[]> = {};
    for (const protocol of ['own', ...PROTOCOLS]) {
      byProtocol[protocol] = SEEDS.map((seed) => {
        try {
          return runScenario(scenario, protocol === 'own' ? { seed } : { seed, protocol }).hash;
        } catch (error) {
          // A timeline a protocol refuses (an option it does not have) is pinned as refused; the message's wording
          // is not part of the pin.
          return `refused (${(error as Error).name})`;
        }
      });
    }
    pins[file] = byProtocol;
  }
  return pins;
}

describe('pinned history hashes of the shipped scenarios', () => {
  it('every scenario gives its pinned hash for seeds 1..20, on its own protocol and on every pinned protocol', async () => {
    const actual = await computePins();
    if (process.env.TOB_LAB_PIN_HASHES === 'write') writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
    const pinned = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Pins;
    expect(Object.keys(actual)).toEqual(Object.keys(pinned));
    for (const file of Object.keys(pinned)) {
      for (const protocol of Object.keys(pinned[file]!)) {
        expect(actual[file]![protocol], `${file} on ${protocol}`).toEqual(pinned[file]![protocol]);
      }
    }
  });
});
