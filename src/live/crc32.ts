import * as zlib from 'node:zlib';

/**
 * CRC-32 (the IEEE polynomial zlib and gzip use) of a byte buffer. Node has it built in from 20.15 and 22.2 on;
 * the package promises Node >= 20, so older 20.x releases get the same sum computed here from a table. A namespace
 * import, not a named one: on a Node without zlib.crc32 a named import would fail when the module loads.
 */
export function crc32(bytes: Uint8Array): number {
  return builtin === null ? tableCrc32(bytes) : builtin(bytes);
}

const builtin: ((data: Uint8Array) => number) | null =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (zlib as { crc32: (data: Uint8Array) => number }).crc32
    : null;

let table: Uint32Array | null = null;

function crcTable(): Uint32Array {
  if (table !== null) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let bit = 0; bit < 8; bit += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** The table-driven CRC-32, exported for the test that holds it equal to zlib's where zlib has one. */
export function tableCrc32(bytes: Uint8Array): number {
  const lookup = crcTable();
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i += 1) crc = (lookup[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
