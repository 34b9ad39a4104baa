import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { NodeStatus } from '../../core/node.ts';
import { ChatScreen, formatOrder, type ChatLine, type ChatPeer } from './chat.tsx';

const status: NodeStatus = { role: 'follower', term: 2, leader: 3, delivered: 2, details: { lastSeq: 2, buffered: 0 } };
const deliveries: ChatLine[] = [
  { id: '1-1-1', origin: 1, payload: 'Hello from node 1', order: { seq: 1, term: 2 } },
  { id: '2-1-1', origin: 2, payload: 'Hi from node 2', order: { seq: 2, term: 2 } },
];
const peers: ChatPeer[] = [
  { node: 1, address: '127.0.0.1:7001', outbound: 'connected', inbound: true, queued: 0, dropped: 0 },
  { node: 3, address: '127.0.0.1:7003', outbound: 'waiting', inbound: false, queued: 4, dropped: 1 },
];

const tick = () => new Promise((resolve) => setTimeout(resolve, 30));

function screen(overrides: Partial<Parameters<typeof ChatScreen>[0]> = {}) {
  const submitted: string[] = [];
  let quits = 0;
  const view = render(
    <ChatScreen
      title="tob-lab live · node 2 · sequencer"
      self={2}
      deliveries={deliveries}
      status={status}
      peers={peers}
      notices={['link to node 3 lost (ECONNREFUSED); retrying with backoff']}
      onSubmit={(text) => submitted.push(text)}
      onQuit={() => (quits += 1)}
      {...overrides}
    />,
  );
  return { view, submitted, quits: () => quits };
}

async function type(view: ReturnType<typeof render>, text: string): Promise<void> {
  for (const char of text) {
    view.stdin.write(char);
    await tick();
  }
  view.stdin.write('\r');
  await tick();
}

describe('the live chat screen', () => {
  it('shows the messages in delivery order with their ordering data, the status line and the commands', () => {
    const { view } = screen();
    const frame = view.lastFrame() ?? '';
    expect(frame).toMatch(/role follower · leader 3 · term 2 · delivered 2/);
    expect(frame).toMatch(/\[seq 1 term 2\] node 1: Hello from node 1[\s\S]*\[seq 2 term 2\] node 2: Hi from node 2/);
    expect(frame).toMatch(/link to node 3 lost/);
    expect(frame).toMatch(/\/status +\/peers +\/history +\/quit/);
    view.unmount();
  });

  it('/status shows role, leader and term; /peers the links; /history every delivered message', async () => {
    const { view, submitted } = screen();
    await type(view, '/status');
    expect(view.lastFrame()).toMatch(
      /status[\s\S]*role follower · leader 3 · term 2 · delivered 2[\s\S]*details: lastSeq 2 buffered 0/,
    );
    await type(view, '/peers');
    const peersFrame = view.lastFrame() ?? '';
    expect(peersFrame).toMatch(/node 1 +127\.0\.0\.1:7001 +to it: connected +from it: connected/);
    expect(peersFrame).toMatch(
      /node 3 +127\.0\.0\.1:7003 +to it: waiting \(4 queued\), 1 dropped +from it: not connected/,
    );
    await type(view, '/history');
    expect(view.lastFrame()).toMatch(
      /history \(2 delivered\)[\s\S]*1\. 1-1-1 +\[seq 1 term 2\] node 1: Hello[\s\S]*2\. 2-1-1/,
    );
    await type(view, '/nonsense');
    expect(view.lastFrame()).toMatch(/\/nonsense is not a command; try \/status/);
    expect(submitted).toEqual([]);
    view.unmount();
  });

  it('sends a typed line (after backspace edits) and quits on /quit', async () => {
    const { view, submitted, quits } = screen();
    view.stdin.write('hellp');
    await tick();
    view.stdin.write('\u007f'); // backspace
    await tick();
    view.stdin.write('o');
    await tick();
    expect(view.lastFrame()).toMatch(/> hello/);
    view.stdin.write('\r');
    await tick();
    expect(submitted).toEqual(['hello']);
    expect(view.lastFrame()).not.toMatch(/> hello/);
    await type(view, '/quit');
    expect(quits()).toBe(1);
    view.unmount();
  });

  it('shows a node that is not running and an empty chat plainly', () => {
    const { view } = screen({ status: null, deliveries: [], notices: [] });
    expect(view.lastFrame()).toMatch(/not running[\s\S]*no messages yet/);
    view.unmount();
  });

  it("formats any protocol's ordering data", () => {
    expect(formatOrder({ seq: 3, term: 1 })).toBe('seq 3 term 1');
    expect(formatOrder({ vc: [1, 0, 2] })).toBe('vc [1,0,2]');
    expect(formatOrder(undefined)).toBe('');
  });
  it('sends each line of a pasted chunk, as a terminal delivers fast input in one piece', async () => {
    const { view, submitted } = screen();
    view.stdin.write('hello from one\rand another\r');
    await tick();
    expect(submitted).toEqual(['hello from one', 'and another']);
    view.stdin.write('half a line');
    await tick();
    expect(submitted).toHaveLength(2);
  });
});
