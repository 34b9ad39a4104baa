import fc from 'fast-check';
import type { NodeId } from '../core/ids.ts';
import type { FaultClass } from '../core/promises.ts';
import type { Action, CrashPoint, Step } from '../scenarios/dsl.ts';

/**
 * Leader-churn worlds: instead of faults at random times, a chain of episodes. Each waits until a new leader is
 * elected (one that did not lead, in that term, when the wait began), undoes the previous episode's blow (heals
 * the network, restarts or resumes the nodes it struck), and strikes every node that then believes it leads: cuts
 * it off from the others, crashes it (often inside the very handler it runs next, after its records are synced
 * and before its messages leave), tears its last write, or stalls it. Submissions may land on the struck leader
 * right then (a crash point waits for its next handler, so such a submission can be the handler it dies in).
 *
 * Why: the hard bugs of leader-based protocols (Raft's figure 8, a deposed leader's stale entry, a vote lost in a
 * restart) need several leadership changes in one order, each timed against a protocol event a round trip wide.
 * Faults at random times meet such a chain with odds of order 10^-6 per case; striking each new leader as it is
 * elected makes every link of the chain a matter of drawing the right kind of blow.
 *
 * The generator knows nothing of any protocol but that nodes announce themselves leader (or primary) with a term;
 * on a protocol that never does, every wait runs out and the case is its submissions alone.
 */
export interface ChurnOptions {
  nodes: number;
  faults: readonly FaultClass[];
  /** Episodes at most (default 6). */
  episodesMax?: number;
}

/** How long an episode waits for its node to lead before it is skipped (a few election rounds of the defaults). */
export const CHURN_LEADER_WAIT_MS = 2_000;
/** The longest the last blow stays before everything is healed and restarted. */
export const CHURN_HOLD_MS_MAX = 1_500;
export const CHURN_EPISODES_MAX = 6;

/** The fault classes a churn episode can draw from; the others have no "strike the leader" form. */
export const CHURN_FAULTS: readonly FaultClass[] = ['crash', 'crash-restart', 'partition', 'storage', 'delay'];

type StrikeKind = 'isolate' | 'crash' | 'crash-restart' | 'tear' | 'pause';

type Strike =
  { kind: 'isolate' } | { kind: 'crash'; during?: CrashPoint; restart: boolean } | { kind: 'tear' } | { kind: 'pause' };

interface Episode {
  strike: Strike;
  /** Submissions handed to each struck leader right after the blow. */
  submitsAtLeader: number;
  /** One more submission at this node at the same moment (0: none). */
  submitElsewhere: NodeId | 0;
}

/** The strikes each fault class allows. */
function strikeKinds(faults: readonly FaultClass[]): StrikeKind[] {
  const kinds: StrikeKind[] = [];
  if (faults.includes('partition')) kinds.push('isolate');
  if (faults.includes('crash-restart')) kinds.push('crash-restart');
  if (faults.includes('crash')) kinds.push('crash');
  if (faults.includes('storage')) kinds.push('tear');
  if (faults.includes('delay')) kinds.push('pause');
  if (kinds.length === 0) {
    throw new Error(
      `leader churn needs one of the fault classes ${CHURN_FAULTS.join(', ')}; got ${faults.join(', ') || 'none'}`,
    );
  }
  return kinds;
}

/**
 * A crash aimed at a leader: between handlers, or inside its next handler (or next persisting one) with its
 * records synced and at most a few of its effects out, or before the sync. Small cuts are the interesting ones
 * for a leader (it logged or committed, and told nobody), so the cut is drawn from 0 to 3.
 */
function leaderCrashPoint(): fc.Arbitrary<CrashPoint | undefined> {
  const point = fc.record({
    handler: fc.constantFrom<CrashPoint['handler']>('persisting', 'next'),
    cut: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
      { weight: 1, arbitrary: fc.constant<'before-sync'>('before-sync') },
    ),
  });
  return fc.option(point, { nil: undefined, freq: 4 });
}

/**
 * What a case strikes with, drawn once per case (swarm testing, as in generate.ts): a weight per strike kind and
 * one crash point for all its crashes. A chain needs the same kind of blow more than once (figure 8 crashes a
 * leader inside its commit twice), which independent draws per episode make rare.
 */
interface StrikeProfile {
  weights: Array<{ kind: StrikeKind; weight: number }>;
  during: CrashPoint | undefined;
}

function profileArbitrary(faults: readonly FaultClass[]): fc.Arbitrary<StrikeProfile> {
  const kinds = strikeKinds(faults);
  return fc.record({
    weights: fc
      .array(fc.integer({ min: 0, max: 3 }), { minLength: kinds.length, maxLength: kinds.length })
      .map((drawn) => kinds.map((kind, index) => ({ kind, weight: drawn[index] as number }))),
    during: leaderCrashPoint(),
  });
}

function strikeArbitrary(profile: StrikeProfile): fc.Arbitrary<Strike> {
  const weighted = profile.weights.some(({ weight }) => weight > 0)
    ? profile.weights.filter(({ weight }) => weight > 0)
    : profile.weights.map(({ kind }) => ({ kind, weight: 1 }));
  const during = profile.during === undefined ? {} : { during: profile.during };
  return fc.oneof(
    ...weighted.map(({ kind, weight }) => ({
      weight,
      arbitrary: fc.constant<Strike>(
        kind === 'crash' || kind === 'crash-restart'
          ? { kind: 'crash', restart: kind === 'crash-restart', ...during }
          : { kind },
      ),
    })),
  );
}

function episodeArbitrary(options: ChurnOptions, profile: StrikeProfile): fc.Arbitrary<Episode> {
  return fc.record({
    strike: strikeArbitrary(profile),
    // A request at the leader as it is struck is much of what churn is about; none is as interesting (the blow
    // then falls on the leader's own next step).
    submitsAtLeader: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) }),
    submitElsewhere: fc.oneof(
      { weight: 2, arbitrary: fc.constant<0>(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: options.nodes }) },
    ),
  });
}

function strikeAction(node: NodeId, others: NodeId[], strike: Strike): Action {
  switch (strike.kind) {
    case 'isolate':
      return { do: 'partition', groups: [[node], others] };
    case 'crash':
      return strike.during === undefined ? { do: 'crash', node } : { do: 'crash', node, during: strike.during };
    case 'tear':
      return { do: 'tear', node };
    case 'pause':
      return { do: 'pause', node };
  }
}

/** What ends a blow, for every node it may have struck (acting on a node the blow missed changes nothing). */
function undoActions(strike: Strike, nodes: readonly NodeId[]): Action[] {
  switch (strike.kind) {
    case 'isolate':
      return [];
    case 'crash':
      return strike.restart ? nodes.map((node): Action => ({ do: 'restart', node })) : [];
    case 'tear':
      return nodes.map((node): Action => ({ do: 'restart', node }));
    case 'pause':
      return nodes.map((node): Action => ({ do: 'resume', node }));
  }
}

/** A step that acts only if `node` believes it leads at this very moment (waiting no time at all). */
function ifLeading(node: NodeId, action: Action): Step {
  return { when: { leader: node }, timeoutMs: 0, action };
}

/**
 * The chain as steps, every one relative to the one before (a wait, a condition checked at once, or no delay),
 * so the scenario runs them in the written order. Submissions are numbered "m1", "m2", ... in order.
 */
export function churnSteps(episodes: readonly Episode[], nodes: number, finalHoldMs: number): Step[] {
  const all = Array.from({ length: nodes }, (_, index) => index + 1);
  const steps: Step[] = [];
  let submitted = 0;
  const submit = (node: NodeId): Action => ({ do: 'submit', node, payload: `m${(submitted += 1)}` });
  let previous: Strike | null = null;
  for (const episode of episodes) {
    // The wait's own action heals (nothing, when nothing is cut); if no new leader comes, the wait runs out and
    // the network stays as it was, but struck nodes still come back.
    steps.push({ when: { leader: 'any', new: true }, timeoutMs: CHURN_LEADER_WAIT_MS, action: { do: 'heal' } });
    if (previous !== null) steps.push(...undoActions(previous, all).map((action): Step => ({ afterMs: 0, action })));
    for (const node of all) {
      const others = all.filter((id) => id !== node);
      steps.push(ifLeading(node, strikeAction(node, others, episode.strike)));
      for (let count = 0; count < episode.submitsAtLeader; count += 1) steps.push(ifLeading(node, submit(node)));
    }
    if (episode.submitElsewhere !== 0) steps.push({ afterMs: 0, action: submit(episode.submitElsewhere) });
    previous = episode.strike;
  }
  if (previous !== null) {
    const undo: Action[] = [{ do: 'heal' }, ...undoActions(previous, all)];
    steps.push(...undo.map((action, index): Step => ({ afterMs: index === 0 ? finalHoldMs : 0, action })));
  }
  return steps;
}

export function churnArbitrary(options: ChurnOptions): fc.Arbitrary<Step[]> {
  const episodesMax = options.episodesMax ?? CHURN_EPISODES_MAX;
  return profileArbitrary(options.faults).chain((profile) =>
    fc
      .record({
        episodes: fc.array(episodeArbitrary(options, profile), { minLength: 1, maxLength: episodesMax }),
        finalHoldMs: fc.integer({ min: 0, max: CHURN_HOLD_MS_MAX }),
      })
      .map(({ episodes, finalHoldMs }) => churnSteps(episodes, options.nodes, finalHoldMs)),
  );
}
