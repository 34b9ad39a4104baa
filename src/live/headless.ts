import type { Readable } from 'node:stream';
import type { Json } from '../core/json.ts';
import { LineSplitter } from './frames.ts';
import type { LiveEvent, LiveNode } from './host.ts';

export interface HeadlessIo {
  /** Submissions, one a line. */
  input: Readable;
  /** JSON lines for programs (stdout). */
  write(text: string): void;
  /** Log lines for people (stderr). */
  writeError(text: string): void;
  /** Aborting it (SIGTERM, SIGINT) ends the run like the end of input. */
  signal?: AbortSignal;
}

/** Longer input lines are skipped whole, never buffered; the node's own payload bound is far below this. */
const INPUT_LINE_BYTES_MAX = 64 * 1024;

function line(value: { [key: string]: Json | undefined }): string {
  return JSON.stringify(value) + '\n';
}

/** The machine-readable stream of a headless node: one JSON object a line on stdout, log lines on stderr. */
export function printEvents(node: LiveNode, io: Pick<HeadlessIo, 'write' | 'writeError'>): () => void {
  return node.onEvent((event: LiveEvent) => {
    switch (event.type) {
      case 'ready':
        io.write(line({ type: 'ready', id: node.id, listen: event.listen, boot: event.boot }));
        return;
      case 'submitted':
        io.write(line({ type: 'submitted', id: event.id }));
        return;
      case 'deliver': {
        const { id, origin, payload, order } = event.delivery;
        io.write(line({ type: 'deliver', id, origin, payload, order, t: event.t }));
        return;
      }
      case 'announce': {
        const { role, term, leader } = event.announcement;
        io.write(line({ type: 'announce', id: node.id, role, term, leader, t: event.t }));
        return;
      }
      case 'note':
        io.writeError(`node ${node.id}: ${event.text}\n`);
        return;
      case 'stopped':
        if (event.reason !== null) io.writeError(`node ${node.id}: stopped: ${event.reason}\n`);
        return;
      case 'peers':
      case 'pressure':
        return;
    }
  });
}

/**
 * Reads submissions from `input` until it ends, a `/quit` line, the signal, or the node stopping by itself; then
 * stops the node cleanly. Empty lines are ignored; `/status` and `/peers` print a JSON line instead of chatting.
 */
export async function runHeadless(node: LiveNode, io: HeadlessIo): Promise<void> {
  const splitter = new LineSplitter(INPUT_LINE_BYTES_MAX, true);
  await new Promise<void>((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      io.input.off('data', onData);
      io.input.off('end', finish);
      io.input.off('close', finish);
      io.signal?.removeEventListener('abort', finish);
      resolve();
    };
    const onData = (chunk: Buffer | string) => {
      const { lines, oversize } = splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      if (oversize > 0)
        io.writeError(`node ${node.id}: skipped ${oversize} input line(s) over ${INPUT_LINE_BYTES_MAX} bytes\n`);
      for (const bytes of lines) {
        if (done) return;
        if (handleLine(node, bytes.toString('utf8').replace(/\r$/, ''), io) === 'quit') finish();
      }
    };
    // Backpressure: while the node's handler queue is long, stdin is not read, so a fast producer (a pipe) waits
    // instead of having submissions refused.
    const pausable = io.input as Readable & { pause?: () => void; resume?: () => void };
    const unsubscribe = node.onEvent((event) => {
      if (event.type !== 'pressure' || typeof pausable.pause !== 'function' || typeof pausable.resume !== 'function')
        return;
      if (event.high) pausable.pause();
      else if (!done) pausable.resume();
    });
    void node.stopped.then(unsubscribe);
    io.input.on('data', onData);
    io.input.once('end', finish);
    io.input.once('close', finish);
    io.signal?.addEventListener('abort', finish, { once: true });
    if (io.signal?.aborted) finish();
    void node.stopped.then(finish);
  });
  await node.stop();
  if (typeof (io.input as Readable & { pause?: () => void }).pause === 'function') io.input.pause();
}

function handleLine(node: LiveNode, text: string, io: HeadlessIo): 'quit' | 'go-on' {
  if (text.trim() === '') return 'go-on';
  if (text === '/quit') return 'quit';
  if (text === '/status') {
    const status = node.status();
    io.write(line({ type: 'status', id: node.id, ...(status === null ? { role: null } : { ...status }) }));
    return 'go-on';
  }
  if (text === '/peers') {
    io.write(line({ type: 'peers', id: node.id, peers: node.peerStates().map((peer) => ({ ...peer })) }));
    return 'go-on';
  }
  const outcome = node.submit(text);
  if (!outcome.ok) io.writeError(`node ${node.id}: submission refused: ${outcome.problem}\n`);
  return 'go-on';
}
