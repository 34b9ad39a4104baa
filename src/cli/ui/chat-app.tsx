// JSX settings said here, not only in tsconfig.json: tsx looks for tsconfig from the working directory, so run
// from any other directory it would compile JSX to React.createElement, with no React in scope.
/** @jsxRuntime automatic */
/** @jsxImportSource react */
import { render } from 'ink';
import type { LiveEvent, LiveNode } from '../../live/host.ts';
import { ChatScreen, type ChatLine } from './chat.tsx';

/** Messages kept for the screen and /history; older ones are still in the node's history file. */
const LINES_KEPT_MAX = 1000;
const NOTICES_KEPT_MAX = 20;
/** Redraws at most this often, so a burst of deliveries is one frame, not hundreds. */
const REDRAW_INTERVAL_MS = 50;

/** Draws the chat screen for a started node until /quit, Ctrl-C or the node stopping; then stops the node. */
export async function runChat(node: LiveNode, title: string): Promise<void> {
  // What the node delivered before this screen subscribed (while ink loaded: a restarted node's catch-up).
  const deliveries: ChatLine[] = node.recentDeliveries().map((delivery) => ({ ...delivery }));
  const notices: string[] = [];
  let quit: () => void = () => {};
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const screen = () => (
    <ChatScreen
      title={title}
      self={node.id}
      deliveries={deliveries}
      status={node.status()}
      peers={node.peerStates()}
      notices={notices}
      onSubmit={(text) => {
        const outcome = node.submit(text);
        if (!outcome.ok) remember(`submission refused: ${outcome.problem}`);
        redraw();
      }}
      onQuit={() => quit()}
    />
  );
  const view = render(screen(), { exitOnCtrlC: false });
  let redrawTimer: NodeJS.Timeout | null = null;
  const redraw = () => {
    redrawTimer ??= setTimeout(() => {
      redrawTimer = null;
      view.rerender(screen());
    }, REDRAW_INTERVAL_MS);
  };
  const remember = (text: string) => {
    notices.push(text);
    if (notices.length > NOTICES_KEPT_MAX) notices.shift();
  };
  const unsubscribe = node.onEvent((event: LiveEvent) => {
    if (event.type === 'deliver') {
      deliveries.push({ ...event.delivery });
      if (deliveries.length > LINES_KEPT_MAX) deliveries.shift();
    } else if (event.type === 'note') {
      remember(event.text);
    } else if (event.type === 'stopped' && event.reason !== null) {
      remember(`stopped: ${event.reason}`);
    }
    redraw();
  });
  await Promise.race([quitting, node.stopped]);
  unsubscribe();
  if (redrawTimer !== null) clearTimeout(redrawTimer);
  await node.stop();
  view.rerender(screen());
  view.unmount();
  await view.waitUntilExit();
}
