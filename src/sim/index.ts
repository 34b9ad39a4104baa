export * from './clock.ts';
export * from './network.ts';
export * from './queue.ts';
export * from './simulator.ts';
export * from './scheduler.ts';
export * from './simulated-network.ts';
export * from './strategies.ts';
