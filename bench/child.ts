import { invariant } from '../src/core/assert.ts';
import { protocolByName } from '../src/protocols/index.ts';
import { searchViolation } from '../src/search/search.ts';
import { gossipLoad } from './sections/broadcast.ts';
import { measureScale } from './sections/scale.ts';
import { searchOptions } from './sections/search.ts';
import { simulatorLoad } from './sections/simulator.ts';
import { measureWeak, weakTasks } from './sections/weak.ts';
import { runRelay } from './relay.ts';
import { streamRun } from './stream.ts';
import { runBroadcastLoad } from './workload.ts';

/**
 * The bench's child processes: `scale NODES EVENTS` (a process per size, for its own peak RSS), `weak SEEDS
 * LIMIT i/n` (a share of section 4), and `profile WORKLOAD` (run under node --cpu-prof). Each prints JSON lines.
 */
const PROFILE_WORKLOADS: Record<string, () => void> = {
  'simulator-relay': () => {
    for (let round = 0; round < 8; round += 1) runRelay(1_000_000, round + 1);
  },
  'simulator-sequencer': () => {
    for (let round = 0; round < 8; round += 1) runBroadcastLoad(simulatorLoad(sequencer(), false));
  },
  'broadcast-sequencer': () => {
    for (let round = 0; round < 12; round += 1) runBroadcastLoad(gossipLoad(sequencer()));
  },
  'broadcast-raft': () => {
    const raft = protocolByName('raft');
    invariant(raft !== undefined, 'the raft protocol is registered');
    for (let round = 0; round < 4; round += 1) runBroadcastLoad(gossipLoad(raft));
  },
  'search-sequencer': () => {
    searchViolation(searchOptions('sequencer', 1_000, 1));
  },
};

function sequencer() {
  const protocol = protocolByName('sequencer');
  invariant(protocol !== undefined, 'the sequencer protocol is registered');
  return protocol;
}

/** Named so that the profile summary can count only the samples taken inside it. */
function profiledWork(run: () => void): void {
  run();
}

function main(args: readonly string[]): void {
  const [mode, ...rest] = args;
  switch (mode) {
    case 'scale': {
      const [nodes, events] = rest.map(Number);
      console.log(JSON.stringify(measureScale(nodes, events)));
      return;
    }
    case 'stream': {
      const events = Number(rest[0]);
      console.log(JSON.stringify(streamRun({ events, nodes: 5, protocol: 'sequencer', out: null })));
      return;
    }
    case 'weak': {
      const [seeds, limit] = rest.slice(0, 2).map(Number);
      const [index, count] = (rest[2] ?? '1/1').split('/').map(Number);
      for (const { weak, seed } of weakTasks(seeds, limit, index, count))
        console.log(JSON.stringify(measureWeak(weak, seed)));
      return;
    }
    case 'profile': {
      const workload = PROFILE_WORKLOADS[rest[0] ?? ''];
      invariant(
        workload !== undefined,
        `unknown profile workload "${rest[0]}"; known: ${Object.keys(PROFILE_WORKLOADS).join(', ')}`,
      );
      profiledWork(workload);
      return;
    }
    default:
      throw new Error(`unknown bench child mode "${mode}": expected scale, stream, weak or profile`);
  }
}

main(process.argv.slice(2));
