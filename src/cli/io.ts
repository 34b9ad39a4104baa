/** What a command may do to the outside world; tests pass their own to capture output. */
export interface CommandIo {
  cwd: string;
  write(text: string): void;
  writeError(text: string): void;
  setExitCode(code: number): void;
  /** True when stdout is a terminal a person watches: commands may draw live views. */
  interactive?: boolean;
}

/** The arguments commander hands an action, as the action function (io first) declares them. */
export type ActionArguments<Action> = Action extends (io: CommandIo, ...rest: infer Rest) => unknown ? Rest : never;
