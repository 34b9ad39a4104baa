import { createServer } from 'node:net';

/**
 * Listen ports for the nodes of a launched cluster. A node binds its port a moment after the launcher picked it,
 * so the pick comes from a band below the OS's ephemeral range (32768 and up on Linux): the proxies and every
 * other port-0 listener on the machine draw from that range and cannot take a picked port in between. A port
 * someone else holds in the band anyway is caught at the node's bind and picked again (see the launcher).
 */
export const NODE_PORT_MIN = 20_000;
export const NODE_PORT_MAX = 32_000;
/** Tries per port wanted; a band this wide is rarely that full. */
const TRIES_PER_PORT = 50;

export async function pickNodePorts(count: number, taken: ReadonlySet<number> = new Set()): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries += 1) {
    if (tries >= count * TRIES_PER_PORT) {
      throw new Error(`no free port for the nodes between ${NODE_PORT_MIN} and ${NODE_PORT_MAX} after ${tries} tries`);
    }
    const port = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN));
    if (taken.has(port) || ports.includes(port)) continue;
    if (await isFree(port)) ports.push(port);
  }
  return ports;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether a node's stderr says it lost its port to someone else. */
export function lostItsPort(stderr: string): boolean {
  return /address is in use|EADDRINUSE/.test(stderr);
}
