import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, tableCrc32 } from './crc32.ts';

describe('crc32', () => {
  it('gives the standard check value for "123456789"', () => {
    const bytes = Buffer.from('123456789', 'ascii');
    expect(tableCrc32(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes)).toBe(0xcbf43926);
    expect(tableCrc32(new Uint8Array(0))).toBe(0);
  });

  it('computes what zlib computes, on Node releases that have zlib.crc32', () => {
    const builtin = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
    if (typeof builtin !== 'function') return;
    let seed = 12345;
    for (let length = 0; length < 300; length += 7) {
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i += 1) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        bytes[i] = seed >>> 24;
      }
      expect(tableCrc32(bytes)).toBe(builtin(bytes));
    }
  });
});
