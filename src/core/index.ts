export * from './assert.ts';
export * from './history.ts';
export * from './ids.ts';
export * from './json.ts';
export * from './node.ts';
export * from './promises.ts';
export * from './rng.ts';
