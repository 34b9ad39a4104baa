/** A mistake in a scenario (or its command line) that the user can fix; the CLI turns it into exit code 64. */
export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}
