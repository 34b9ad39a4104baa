export * from './dsl.ts';
export * from './errors.ts';
export * from './load.ts';
export * from './runner.ts';
export * from './validate.ts';
export * from './expectations.ts';
export * from './interpreter.ts';
export * from './world.ts';
