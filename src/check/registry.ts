import { invariant } from '../core/assert.ts';
import type { History } from '../core/history.ts';
import { causalOrderChecker } from './causal-order.ts';
import { durabilityChecker } from './durability.ts';
import { electionSafetyChecker } from './election-safety.ts';
import { eventualDeliveryChecker } from './eventual-delivery.ts';
import { exactlyOnceChecker } from './exactly-once.ts';
import { fifoOrderChecker } from './fifo-order.ts';
import type { OnlineChecker } from './ledger.ts';
import { totalOrderChecker } from './total-order.ts';
import type { Checker, CheckerName, Verdict } from './verdict.ts';

/** Safety checkers first, then liveness, so reports read in the order the phases ran. */
export const CHECKERS: readonly OnlineChecker[] = Object.freeze([
  totalOrderChecker,
  exactlyOnceChecker,
  causalOrderChecker,
  fifoOrderChecker,
  electionSafetyChecker,
  eventualDeliveryChecker,
  durabilityChecker,
]);

export const CHECKER_NAMES: readonly CheckerName[] = Object.freeze(CHECKERS.map((checker) => checker.name));

export function isCheckerName(name: string): name is CheckerName {
  return (CHECKER_NAMES as readonly string[]).includes(name);
}

export function checkerByName(name: string): Checker | undefined {
  return CHECKERS.find((checker) => checker.name === name);
}

/** Runs the named checkers in the order given (all of them when no names are given). */
export function runCheckers(history: History, names?: readonly CheckerName[]): Verdict[] {
  const chosen =
    names === undefined
      ? CHECKERS
      : names.map((name) => {
          const checker = checkerByName(name);
          invariant(checker !== undefined, `unknown checker "${name}"; known checkers: ${CHECKER_NAMES.join(', ')}`);
          return checker;
        });
  return chosen.map((checker) => checker.check(history));
}
