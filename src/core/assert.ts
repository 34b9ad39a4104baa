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

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}

export function unreachable(value: never, what: string): never {
  throw new InvariantError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
