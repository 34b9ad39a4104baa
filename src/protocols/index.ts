import type { ProtocolDefinition } from '../core/node.ts';
import { sequencer } from './sequencer/index.ts';

/** Every protocol the lab ships, by name. */
export const PROTOCOLS: readonly ProtocolDefinition[] = [sequencer as unknown as ProtocolDefinition];

export function protocolByName(name: string): ProtocolDefinition | undefined {
  return PROTOCOLS.find((protocol) => protocol.name === name);
}

export function protocolNames(): string[] {
  return PROTOCOLS.map((protocol) => protocol.name);
}
