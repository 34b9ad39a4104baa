import type { History, HistoryEvent } from '../core/history.ts';
import type { JsonObject } from '../core/json.ts';
import type { Property } from '../core/promises.ts';

/** Durability has no promise-table entry of its own (it is judged wherever a protocol acks), hence the union. */
export type CheckerName = Property | 'durability';
export type CheckerKind = 'safety' | 'liveness';
export type VerdictStatus = 'pass' | 'fail' | 'skip';

export interface Verdict {
  checker: CheckerName;
  kind: CheckerKind;
  status: VerdictStatus;
  /** One line a person reads. */
  summary: string;
  /** The events that prove a violation, in history order; empty unless the status is 'fail'. */
  evidence: HistoryEvent[];
  /** Numbers worth reporting (pairs compared, split-brain ms, ...). */
  details?: JsonObject;
}

export interface Checker {
  name: CheckerName;
  kind: CheckerKind;
  description: string;
  check(history: History): Verdict;
}

/** Evidence is for people reading a report: a handful of events, never a dump of the run. */
export const EVIDENCE_EVENTS_MAX = 8;

/** Distinct events in history order, missing ones left out, cut to the evidence bound. */
export function evidenceOf(events: readonly (HistoryEvent | null | undefined)[]): HistoryEvent[] {
  const byIndex = new Map<number, HistoryEvent>();
  for (const event of events) {
    if (event) byIndex.set(event.i, event);
  }
  return [...byIndex.values()].sort((a, b) => a.i - b.i).slice(0, EVIDENCE_EVENTS_MAX);
}

type CheckerMeta = Pick<Checker, 'name' | 'kind'>;

export function passVerdict(meta: CheckerMeta, summary: string, details?: JsonObject): Verdict {
  return withDetails({ checker: meta.name, kind: meta.kind, status: 'pass', summary, evidence: [] }, details);
}

export function skipVerdict(meta: CheckerMeta, summary: string, details?: JsonObject): Verdict {
  return withDetails({ checker: meta.name, kind: meta.kind, status: 'skip', summary, evidence: [] }, details);
}

export function failVerdict(
  meta: CheckerMeta,
  summary: string,
  evidence: readonly (HistoryEvent | null | undefined)[],
  details?: JsonObject,
): Verdict {
  const verdict: Verdict = {
    checker: meta.name,
    kind: meta.kind,
    status: 'fail',
    summary,
    evidence: evidenceOf(evidence),
  };
  return withDetails(verdict, details);
}

function withDetails(verdict: Verdict, details: JsonObject | undefined): Verdict {
  return details === undefined ? verdict : { ...verdict, details };
}
