import { describe, expect, it } from 'vitest';
import { eventsOf } from '../core/history.ts';
import type { Json } from '../core/json.ts';
import type { NodeContext, ProtocolDefinition } from '../core/node.ts';
import { Simulator } from './simulator.ts';

/**
 * The wire boundary of the simulator: every body a node sends is what a JSON round trip gives back, and passes
 * the protocol's isMessage, checked once per send or broadcast. On submit, node 1 sends `bodies[payload]` to
 * node 2 (payload "to:N") or to every peer (payload "all:N"); receivers note what they got.
 */
let bodies: unknown[] = [];
const received: Array<{ node: number; from: number; body: unknown }> = [];
let isMessageCalls = 0;

const prober: ProtocolDefinition = {
  name: 'wire prober',
  seeds: [],
  summary: 'test-only: sends what it is told to',
  defaults: {},
  optionDocs: {},
  promises: {},
  isMessage: (value) => {
    isMessageCalls += 1;
    return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'probe';
  },
  create: (config) => ({
    start: () => {},
    message: (_ctx: NodeContext, from, body) => {
      received.push({ node: config.id, from, body });
    },
    timer: () => {},
    submit: (ctx, submission) => {
      const [how, index] = submission.payload.split(':');
      const body = bodies[Number(index)] as Json;
      if (how === 'all') ctx.broadcast(body);
      else ctx.send(2, body);
    },
    status: () => ({ role: 'peer', delivered: 0 }),
  }),
};

function run(sent: unknown[], how: 'to' | 'all', freezeMessages: boolean): Simulator {
  bodies = sent;
  received.length = 0;
  isMessageCalls = 0;
  const sim = new Simulator({ seed: 1, protocol: prober, nodeCount: 3, freezeMessages });
  sim.start();
  for (let index = 0; index < sent.length; index += 1) sim.submit(1, `${how}:${index}`);
  sim.runUntil(1_000);
  return sim;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Bodies a JSON round trip changes, and what the receiver must get instead. */
const CHANGED: Array<[unknown, unknown]> = [
  [{ type: 'probe', gone: undefined }, { type: 'probe' }],
  [
    { type: 'probe', n: NaN, i: Infinity, z: -0 },
    { type: 'probe', n: null, i: null, z: 0 },
  ],
  [
    { type: 'probe', at: new Date(0) },
    { type: 'probe', at: '1970-01-01T00:00:00.000Z' },
  ],
  [
    { type: 'probe', list: [undefined, () => 1] },
    { type: 'probe', list: [null, null] },
  ],
  [
    { type: 'probe', map: new Map([[1, 2]]), point: new Point(1, 2) },
    { type: 'probe', map: {}, point: { x: 1, y: 2 } },
  ],
  [
    { type: 'probe', deep: { deeper: { fn: () => 1, keep: 'k' } } },
    { type: 'probe', deep: { deeper: { keep: 'k' } } },
  ],
  [
    { type: 'probe', withJson: { toJSON: () => 'replaced' } },
    { type: 'probe', withJson: 'replaced' },
  ],
];

describe('the wire boundary (each send and each broadcast crosses it once)', () => {
  for (const freezeMessages of [false, true]) {
    describe(freezeMessages ? 'with freezing' : 'without freezing', () => {
      it('a body a round trip would change arrives, and is recorded, as the round trip gives it', () => {
        for (const how of ['to', 'all'] as const) {
          const sim = run(
            CHANGED.map(([sent]) => sent),
            how,
            freezeMessages,
          );
          const expected = CHANGED.map(([, got]) => got);
          const receivers = how === 'to' ? [2] : [2, 3];
          // Each receiver gets every body, in send order (FIFO links); the history records one send per receiver.
          for (const node of receivers) {
            const got = received.filter((entry) => entry.node === node).map((entry) => entry.body);
            expect(got).toEqual(expected);
            // toEqual ignores undefined fields: the received bodies must not even have the keys.
            expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
          }
          const sends = eventsOf(sim.history, 'send');
          expect(sends.map((event) => event.body)).toEqual(expected.flatMap((body) => receivers.map(() => body)));
          expect(JSON.stringify(sends.map((event) => event.body))).toBe(
            JSON.stringify(expected.flatMap((body) => receivers.map(() => body))),
          );
          expect(isMessageCalls).toBe(CHANGED.length); // once per send or broadcast, not per receiver
        }
      });

      it('a body the wire cannot carry, or isMessage refuses, is recorded as sent and dropped as invalid', () => {
        const cyclic: Record<string, unknown> = { type: 'probe' };
        cyclic.self = cyclic;
        const refused = [
          cyclic,
          { type: 'probe', big: 1n },
          { type: 'other' },
          { type: 'probe-ish' },
          { kind: 'probe' },
          'probe',
          null,
          [{ type: 'probe' }],
          { type: undefined },
          { toJSON: () => ({ type: 'other' }) },
        ];
        for (const how of ['to', 'all'] as const) {
          const sim = run(refused, how, freezeMessages);
          const receivers = how === 'to' ? 1 : 2;
          expect(received).toEqual([]);
          const drops = eventsOf(sim.history, 'drop');
          expect(drops.map((event) => event.reason)).toEqual(Array(refused.length * receivers).fill('invalid'));
          expect(eventsOf(sim.history, 'send')).toHaveLength(refused.length * receivers);
          expect(eventsOf(sim.history, 'receive')).toHaveLength(0);
        }
      });

      it('what a round trip gives back unchanged goes as it is, and is what the receiver gets', () => {
        const plain = { type: 'probe', list: [1, 'two', null, true, { nested: [] }], n: 1.5 };
        run([plain], 'all', freezeMessages);
        expect(received.map((entry) => entry.body)).toEqual([plain, plain]);
        expect(Object.isFrozen(plain)).toBe(freezeMessages);
      });
    });
  }

  it('with freezing, a node that mutates what it sent throws instead of rewriting the history', () => {
    const body = { type: 'probe', list: [1] };
    run([body], 'to', true);
    expect(() => (body.list as number[]).push(2)).toThrow(TypeError);
  });
});
