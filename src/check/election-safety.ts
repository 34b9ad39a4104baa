import { historyIndex, type EventOf, type History, type HistoryEvent } from '../core/history.ts';
import type { NodeId } from '../core/ids.ts';
import type { Role } from '../core/node.ts';
import { type CheckLedger, judged, type LedgerEnd, type OnlineChecker } from './ledger.ts';
import { EVIDENCE_EVENTS_MAX, failVerdict, passVerdict, type Verdict } from './verdict.ts';
import { endTimeMs, plural } from './views.ts';

type AnnounceEvent = EventOf<'announce'>;

const LEADING_ROLES: ReadonlySet<Role> = new Set<Role>(['leader', 'primary']);

function isLeading(event: AnnounceEvent): boolean {
  return LEADING_ROLES.has(event.role);
}

interface TermReport {
  leaderTerms: number;
  conflictingTerms: number;
  /** The first announcement of a contested term and the first rival one. */
  firstConflict: [AnnounceEvent, AnnounceEvent] | null;
}

function checkTerms(announcements: readonly AnnounceEvent[]): TermReport {
  const firstByTerm = new Map<number, AnnounceEvent>();
  const contested = new Set<number>();
  let firstConflict: TermReport['firstConflict'] = null;
  for (const event of announcements) {
    if (typeof event.term !== 'number') continue;
    const holder = firstByTerm.get(event.term);
    if (holder === undefined) {
      firstByTerm.set(event.term, event);
      continue;
    }
    if (holder.node === event.node) continue;
    contested.add(event.term);
    firstConflict ??= [holder, event];
  }
  return { leaderTerms: firstByTerm.size, conflictingTerms: contested.size, firstConflict };
}

/** A stretch of time during which one node believed it led. */
interface Reign {
  node: NodeId;
  announce: AnnounceEvent;
  startMs: number;
  endMs: number;
}

/** Belief starts at a leader/primary announcement and ends at another role, a crash, or the end of the history. */
function reignsOf(lifecycle: readonly HistoryEvent[], endMs: number): Reign[] {
  const open = new Map<NodeId, Reign>();
  const reigns: Reign[] = [];
  const close = (node: NodeId, atMs: number): void => {
    const reign = open.get(node);
    if (reign === undefined) return;
    // Live histories merge clocks of several processes; never let a reign run backwards.
    reign.endMs = Math.max(atMs, reign.startMs);
    open.delete(node);
  };
  for (const event of lifecycle) {
    if (event.type === 'crash') close(event.node, event.t);
    if (event.type !== 'announce') continue;
    if (!isLeading(event)) {
      close(event.node, event.t);
    } else if (!open.has(event.node)) {
      const reign: Reign = { node: event.node, announce: event, startMs: event.t, endMs: event.t };
      open.set(event.node, reign);
      reigns.push(reign);
    }
  }
  for (const node of [...open.keys()]) close(node, endMs);
  return reigns;
}

interface SplitBrain {
  totalMs: number;
  /** The announcements of every node leading when two or more first led at once for a positive time. */
  firstOverlap: AnnounceEvent[];
}

/** A sweep over reign boundaries: linear after the sort, however many reigns overlap. */
function measureSplitBrain(reigns: readonly Reign[]): SplitBrain {
  const points = reigns.flatMap((reign) => [
    { atMs: reign.startMs, reign, starts: true },
    { atMs: reign.endMs, reign, starts: false },
  ]);
  points.sort((a, b) => a.atMs - b.atMs);
  const active = new Set<Reign>();
  const result: SplitBrain = { totalMs: 0, firstOverlap: [] };
  let index = 0;
  while (index < points.length) {
    const atMs = points[index].atMs;
    // Apply every boundary at this instant before measuring, so a hand-over at one instant is no overlap.
    for (; index < points.length && points[index].atMs === atMs; index += 1) {
      const point = points[index];
      if (point.starts) active.add(point.reign);
      else active.delete(point.reign);
    }
    const nextMs = index < points.length ? points[index].atMs : atMs;
    if (active.size < 2 || nextMs <= atMs) continue;
    result.totalMs += nextMs - atMs;
    if (result.firstOverlap.length === 0) {
      result.firstOverlap = [...active].map((reign) => reign.announce).slice(0, EVIDENCE_EVENTS_MAX);
    }
  }
  return result;
}

export const electionSafetyChecker: OnlineChecker = {
  name: 'election-safety',
  kind: 'safety',
  description:
    'At most one node announces itself leader (or primary) for any numeric term. Split brain, the virtual time ' +
    'during which two or more nodes both believe they lead (from their leader/primary announcement until another ' +
    'role or a crash), is always measured; it fails the check only when no leader announcement carries a term, ' +
    'since terms are what make overlapping leaders safe.',
  check: (history) => judged(history, checkElectionSafety, judgeElectionSafetyOnline),
  judgeOnline: judgeElectionSafetyOnline,
  judgeBatch: checkElectionSafety,
};

function checkElectionSafety(history: History): Verdict {
  return judgeElections(historyIndex(history).lifecycle, endTimeMs(history));
}

/** The online form: announcements and crashes are lifecycle events, which the ledger keeps whole. */
function judgeElectionSafetyOnline(ledger: CheckLedger, end: LedgerEnd): Verdict {
  return judgeElections(ledger.lifecycle, end.endMs);
}

function judgeElections(lifecycle: readonly HistoryEvent[], endMs: number): Verdict {
  const announcements = lifecycle.filter(
    (event): event is AnnounceEvent => event.type === 'announce' && isLeading(event),
  );
  const terms = checkTerms(announcements);
  const splitBrain = measureSplitBrain(reignsOf(lifecycle, endMs));
  const termless = announcements.every((event) => typeof event.term !== 'number');
  const details = {
    leaderAnnouncements: announcements.length,
    leaderTerms: terms.leaderTerms,
    conflictingTerms: terms.conflictingTerms,
    splitBrainMs: splitBrain.totalMs,
  };
  if (terms.firstConflict !== null) {
    const [holder, rival] = terms.firstConflict;
    const more = terms.conflictingTerms > 1 ? ` (${terms.conflictingTerms} terms contested)` : '';
    const summary = `nodes ${holder.node} and ${rival.node} both announced leadership of term ${holder.term}${more}`;
    return failVerdict(electionSafetyChecker, summary, terms.firstConflict, details);
  }
  if (termless && splitBrain.totalMs > 0) {
    const nodes = splitBrain.firstOverlap
      .map((event) => event.node)
      .sort((a, b) => a - b)
      .join(' and ');
    const summary = `split brain without terms: nodes ${nodes} believed they led at once, ${splitBrain.totalMs} ms in all`;
    return failVerdict(electionSafetyChecker, summary, splitBrain.firstOverlap, details);
  }
  if (announcements.length === 0) {
    return passVerdict(electionSafetyChecker, 'no node announced itself leader or primary', details);
  }
  const splitNote =
    splitBrain.totalMs > 0 ? `; overlapping leaders for ${splitBrain.totalMs} ms, told apart by terms` : '';
  const summary = `one leader per term over ${plural(terms.leaderTerms, 'term')}${splitNote}`;
  return passVerdict(electionSafetyChecker, termless ? 'no split brain among termless leaders' : summary, details);
}
