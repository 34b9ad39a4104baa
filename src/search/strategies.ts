/**
 * Who orders the events of a generated case: 'latency' (the default: time order by sampled latency), 'pct' or
 * 'drawn' (see generate.ts). Kept apart from the generator so the CLI's help names them without loading it.
 */
export const ORDER_STRATEGIES = ['latency', 'pct', 'drawn'] as const;
export type OrderStrategy = (typeof ORDER_STRATEGIES)[number];

export function isOrderStrategy(name: string): name is OrderStrategy {
  return (ORDER_STRATEGIES as readonly string[]).includes(name);
}
