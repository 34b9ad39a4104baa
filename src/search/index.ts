export * from './generate.ts';
export * from './search.ts';
export * from './sweep.ts';
