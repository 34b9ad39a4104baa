/**
 * Assertions that stay on in production: a protocol or host that reaches a state it must never reach stops
 * right there, with a message naming the invariant, instead of corrupting a run that someone will then trust.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

/**
 * Throws when `condition` does not hold. On hot paths pass the message as a function, so it is formatted only on
 * failure, never on the millions of checks that pass.
 */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantError(typeof message === 'function' ? message() : message);
}

export function unreachable(value: never, what: string): never {
  throw new InvariantError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
