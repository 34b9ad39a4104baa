import { nodeIds } from '../core/ids.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { isCheckerName } from '../check/index.ts';
import { after, leaderElected, scenario, submit, when, within, type Scenario, type Step } from '../scenarios/dsl.ts';

/** How long the demo waits for a protocol with leaders to elect one before it submits anyway. */
const DEMO_LEADER_WAIT_MS = 15_000;

/**
 * What `tob-lab cluster` runs without --scenario: every node says hello, then a second round, with no faults. It
 * expects what the protocol promises on a fault-free network, so a protocol whose documented design breaks even
 * then (lamport's stability rule) is not held to more than it promises.
 */
export function demoScenario(protocol: ProtocolDefinition, nodes: number): Scenario {
  const ids = nodeIds(nodes);
  const leads = protocol.promises?.['election-safety'] !== undefined;
  const first = ids.map((node) => submit(node, `hello from node ${node}`));
  const timeline: Step[][] = [
    // Protocols with a leader get one before the first message; the rest start after a short pause.
    leads ? within(DEMO_LEADER_WAIT_MS, when(leaderElected('any'), ...first)) : after(1_000, ...first),
    // after(0, ...) keeps a round together: each step waits for the one before it, not for the round's start.
    after(500, submit(ids[0], `second message from node ${ids[0]}`)),
    after(0, ...ids.slice(1).map((node) => submit(node, `second message from node ${node}`))),
    after(500, submit(ids[0], 'last word from node 1')),
  ];
  const promised = Object.entries(protocol.promises ?? {})
    .filter(([name, entry]) => entry?.holds.includes('none') === true && isCheckerName(name))
    .map(([name]) => name);
  return scenario({
    name: 'live-demo',
    description: `Every node of a ${nodes}-node ${protocol.name} cluster says hello twice; no faults.`,
    cluster: { protocol: protocol.name, nodes },
    timeline,
    settleMs: 2_000,
    expect: { pass: promised },
  });
}
