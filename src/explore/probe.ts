import { createHash } from 'node:crypto';
import { runCheckers, type Verdict } from '../check/index.ts';
import type { Json } from '../core/json.ts';
import { runScenario, type Scenario } from '../scenarios/index.ts';
import { firstViolation } from '../search/search.ts';
import type { PendingEvent } from '../sim/scheduler.ts';
import { ReplayScheduler, type Candidate, type ChoiceModel } from '../sim/strategies.ts';

/** A candidate as the search keeps it: no event object, so a frontier of thousands holds no simulator alive. */
export interface Move {
  seq: number;
  /** The same for the same event reached along different paths (event numbers differ between paths). */
  key: string;
  chain: number;
  neutral: boolean;
}

/** What one re-execution of a prefix found at its end. */
export interface Probe {
  /** Enabled events there; empty when the run ended first. */
  moves: Move[];
  fingerprint: string;
  violation: Verdict | null;
  /** The prefix up to its last deviation from the default order: what a saved scenario needs. */
  schedule: number[];
}

class Probed {
  constructor(readonly probe: Probe) {}
}

/**
 * Replays `prefix` (event numbers) and stops at the next choice, judging the history so far with the safety
 * properties and fingerprinting the state. The run is deterministic, so the same prefix always ends in the same
 * state: re-executing prefixes replaces storing states.
 */
class ProbeScheduler extends ReplayScheduler {
  constructor(
    private readonly prefix: readonly number[],
    private readonly properties: readonly string[],
    model: ChoiceModel,
  ) {
    super(prefix, model);
  }

  protected override choose(candidates: readonly Candidate[], step: number): Candidate {
    if (step < this.prefix.length) return super.choose(candidates, step);
    throw new Probed({
      moves: candidates.map((candidate) => ({
        seq: candidate.event.seq,
        key: eventKey(candidate.event),
        chain: candidate.chain,
        neutral: candidate.neutral,
      })),
      fingerprint: this.fingerprint(),
      violation: this.judge(),
      schedule: this.schedule(),
    });
  }

  /** A hash of the state material and every pending event, by content (event numbers differ between paths). */
  fingerprint(): string {
    const view = this.view as NonNullable<typeof this.view>;
    const now = view.now();
    const byLink = new Map<string, Json[]>();
    const others: string[] = [];
    for (const event of this.pendingEvents()) {
      if (event.kind === 'message') {
        // Per link in send order (a FIFO link delivers in that order); links sorted, so path order is forgotten.
        const link = `${event.from}>${event.to}`;
        const list = byLink.get(link) ?? [];
        // How long ago it was due matters under a delivery bound, so the age is kept, not clamped.
        list.push([event.time - now, event.body]);
        byLink.set(link, list);
      } else {
        others.push(JSON.stringify([eventKey(event), Math.max(0, event.time - now)]));
      }
    }
    const messages = [...byLink].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const material = JSON.stringify([view.stateMaterial(), messages, others.sort()]);
    return createHash('sha1').update(material).digest('base64');
  }

  judge(): Verdict | null {
    const view = this.view as NonNullable<typeof this.view>;
    return safetyViolation(runCheckers(view.history()), this.properties);
  }
}

/** The first of `properties` whose checker fails with a safety verdict. */
function safetyViolation(verdicts: readonly Verdict[], properties: readonly string[]): Verdict | null {
  for (const property of properties) {
    const verdict = verdicts.find((candidate) => candidate.checker === property);
    if (verdict?.status === 'fail' && verdict.kind === 'safety') return verdict;
  }
  return null;
}

/**
 * An event's identity by content: a message by link and body, a timer by node, name and due time, a timeline
 * step by its number (steps are all created at start, in the same order on every path).
 */
export function eventKey(event: PendingEvent): string {
  switch (event.kind) {
    case 'message':
      return `m ${event.from} ${event.to} ${JSON.stringify(event.body)}`;
    case 'timer':
      return `t ${event.node} ${event.name} ${event.time}`;
    case 'callback':
      return `c ${event.seq}`;
  }
}

/** Runs `scenario` along `prefix` and reports the state at its end (see ProbeScheduler). */
export function probe(
  scenario: Scenario,
  seed: number,
  prefix: readonly number[],
  properties: readonly string[],
): Probe {
  const scheduler = new ProbeScheduler(prefix, properties, scenario.schedule ?? {});
  try {
    const result = runScenario(scenario, { seed, scheduler });
    // The run ended before the prefix did, or right at it: a state with nothing left to choose.
    const thrown = result.protocolError === null ? null : firstViolation(result, []);
    return {
      moves: [],
      fingerprint: scheduler.fingerprint(),
      violation: thrown ?? safetyViolation(result.verdicts, properties),
      schedule: scheduler.schedule(),
    };
  } catch (error) {
    if (error instanceof Probed) return error.probe;
    throw error;
  }
}
