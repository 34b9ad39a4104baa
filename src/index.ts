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
  type Action,
  type Condition,
  type Step,
  type Scenario,
  type ScenarioSpec,
  type ClusterSpec,
  type Expectations,
  type CrashPoint,
  type LinkLatency,
} from './scenarios/dsl.ts';
export { runScenario, leadersAt, type RunOptions, type RunResult } from './scenarios/runner.ts';
export * from './core/index.ts';
export { Simulator, type SimulatorConfig } from './sim/simulator.ts';
export type { LinkConfig, Latency } from './sim/network.ts';
export { runCheckers, CHECKERS, type Verdict, type CheckerName } from './check/index.ts';
export { PROTOCOLS, protocolByName } from './protocols/index.ts';
