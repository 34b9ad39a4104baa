export * from './dsl.ts';
export * from './errors.ts';
export * from './load.ts';
export * from './runner.ts';
export * from './validate.ts';
export * from './generate.ts';
export * from './search.ts';
export * from './sweep.ts';
