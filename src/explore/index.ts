export * from './explore.ts';
export * from './probe.ts';
export * from './scenario.ts';
export * from './random.ts';
