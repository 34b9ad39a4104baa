/**
 * The package entry: what scenario files and users' own protocols import as `tob-lab`.
 * The CLI and the ink UI are not exported here; the core never pulls in either.
 */
export {
  scenario,
  at,
  after,
  when,
  within,
  leaderElected,
  newLeader,
  deliveredAtLeast,
  settled,
  submit,
  burst,
  join,
  crash,
  restart,
  pause,
  resume,
  partition,
  cut,
  heal,
  hold,
  release,
  drift,
  stepClock,
  setNetwork,
  setLink,
  tear,
  corrupt,
  diskFull,
  diskOk,
  describeAction,
  describeTrigger,
  describeStep,
  type Action,
  type Condition,
  type Step,
  type Scenario,
  type ScenarioSpec,
  type ClusterSpec,
  type Expectations,
  type BatchWindow,
  type CrashPoint,
  type LinkLatency,
} from './scenarios/dsl.ts';
export { runScenario, leadersAt, type RunOptions, type RunResult } from './scenarios/runner.ts';
export * from './core/index.ts';
export { Simulator, type SimulatorConfig } from './sim/simulator.ts';
export type { LinkConfig, Latency } from './sim/network.ts';
export { runCheckers, CHECKERS, type Verdict, type CheckerName } from './check/index.ts';
export { PROTOCOLS, protocolByName } from './protocols/index.ts';

// The property search as a library: check() returns results as data, assertCheck() throws for tests, and the
// fast-check arbitraries let users compose their own properties (use the `fc` exported here, the very fast-check
// instance the arbitraries are built with).
export {
  check,
  assertCheck,
  CheckFailure,
  formatCheckResult,
  promiseStanding,
  type CheckOptions,
  type CheckResult,
  type CheckViolation,
  type Standing,
} from './search/check.ts';
export {
  caseArbitrary,
  workloadArbitrary,
  faultScheduleArbitrary,
  faultArbitrary,
  GENERATED_NETWORK,
  type GenerateOptions,
  type GeneratedCase,
} from './search/generate.ts';
export {
  searchViolation,
  firstViolation,
  PROTOCOL_ERROR,
  type SearchOptions,
  type SearchResult,
  type Violation,
} from './search/search.ts';
export { sweep } from './search/sweep.ts';
export { counterexampleSource, type CounterexampleInfo } from './search/counterexample.ts';
export {
  loadProtocolModule,
  rememberProtocolModule,
  protocolModule,
  type ProtocolModule,
} from './scenarios/user-module.ts';
export { ScenarioError } from './scenarios/errors.ts';
export { default as fc } from 'fast-check';
