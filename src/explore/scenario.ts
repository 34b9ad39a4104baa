import type { JsonObject } from '../core/json.ts';
import type { ProtocolDefinition } from '../core/node.ts';
import { scenario, type Scenario, type Step } from '../scenarios/dsl.ts';

/** The fault classes `explore` can place among the events; each becomes steps that the search orders. */
export const EXPLORE_FAULTS = ['crash', 'crash-restart', 'partition'] as const;
export type ExploreFault = (typeof EXPLORE_FAULTS)[number];

export function isExploreFault(name: string): name is ExploreFault {
  return (EXPLORE_FAULTS as readonly string[]).includes(name);
}

export interface ExploreWorkload {
  protocol: string | ProtocolDefinition;
  nodes: number;
  /** Submissions m1, m2, ... at nodes 1, 2, ... in turn (or at the nodes of `submitAt`, in turn). */
  submits: number;
  submitAt?: readonly number[];
  faults?: readonly ExploreFault[];
  options?: JsonObject;
  /** FIFO links (default true): the search never reorders two messages on one link. */
  fifo?: boolean;
  /** Messages arrive within this many virtual ms (default: no bound; see src/sim/strategies.ts). */
  deliveryBoundMs?: number;
}

/**
 * The workload of an exhaustive search as a scenario: every step at time 0, run as an event, so the search decides
 * where each submission and fault falls among the message arrivals; messages take no time on the wire (the search,
 * not a latency draw, decides when they arrive). A crash hits node 1; a crash-restart also brings it back; a
 * partition cuts node 1 off from the rest and heals. Steps at the same time may run in any order, so a restart or
 * heal drawn before its fault does nothing and the fault then lasts: that is explored too.
 */
export function exploreScenario(workload: ExploreWorkload): Scenario {
  const steps: Step[] = [];
  for (let index = 1; index <= workload.submits; index += 1) {
    const at = workload.submitAt ?? Array.from({ length: workload.nodes }, (_, node) => node + 1);
    steps.push({ atMs: 0, action: { do: 'submit', node: at[(index - 1) % at.length], payload: `m${index}` } });
  }
  for (const fault of workload.faults ?? []) {
    if (fault === 'crash' || fault === 'crash-restart') steps.push({ atMs: 0, action: { do: 'crash', node: 1 } });
    if (fault === 'crash-restart') steps.push({ atMs: 0, action: { do: 'restart', node: 1 } });
    if (fault === 'partition') {
      const rest = Array.from({ length: workload.nodes - 1 }, (_, index) => index + 2);
      steps.push({ atMs: 0, action: { do: 'partition', groups: [[1], rest] } });
      steps.push({ atMs: 0, action: { do: 'heal' } });
    }
  }
  const name = typeof workload.protocol === 'string' ? workload.protocol : workload.protocol.name;
  return scenario({
    name: `explore-${name}-${workload.nodes}n-${workload.submits}s${(workload.faults ?? []).map((fault) => `-${fault}`).join('')}`,
    description: `explored: ${workload.nodes} nodes, ${workload.submits} submissions, faults ${(workload.faults ?? []).join(', ') || 'none'}`,
    cluster: {
      protocol: workload.protocol,
      nodes: workload.nodes,
      ...(workload.options ? { options: workload.options } : {}),
    },
    network: { latency: { kind: 'constant', ms: 0 }, fifo: workload.fifo ?? true },
    timeline: steps,
    schedule: {
      order: [],
      steps: 'events',
      ...(workload.deliveryBoundMs === undefined ? {} : { deliveryBoundMs: workload.deliveryBoundMs }),
    },
  });
}
