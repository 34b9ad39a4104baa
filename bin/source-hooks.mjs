// Run from the TypeScript sources (a checkout), `import ... from 'tob-lab'` in a scenario or a user's protocol
// must reach the very sources that run, not a build that may be older or missing: this resolve hook maps the
// package's own name to src/. The compiled package never registers it.
const ENTRIES = {
  'tob-lab': new URL('../src/index.ts', import.meta.url).href,
  'tob-lab/vitest': new URL('../src/vitest.ts', import.meta.url).href,
};

export async function resolve(specifier, context, nextResolve) {
  const entry = ENTRIES[specifier];
  return entry === undefined ? nextResolve(specifier, context) : nextResolve(entry, context);
}
