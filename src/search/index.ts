export * from './generate.ts';
export * from './search.ts';
export * from './sweep.ts';
export * from './check.ts';
export * from './counterexample.ts';
export * from './churn.ts';
