import { describe, expect, it } from 'vitest';
import { HandlerQueue, type HandlerQueueHooks, type HandlerQueueLimits, type Work } from './handler-queue.ts';

/** Lets every setImmediate queued so far run (a drain is one of them). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const submit = (id: string): Work => ({ kind: 'submit', id, payload: id });
const label = (work: Work): string =>
  work.kind === 'submit' ? work.id : work.kind === 'timer' ? work.name : work.kind;

interface Reactions {
  onRun?: (work: Work) => void;
  onCommit?: (batch: string[]) => void;
}

/** A queue whose hooks write down what happens; the reactions let a handler or a commit act on the queue. */
function recordingQueue(limits: Partial<HandlerQueueLimits> = {}, reactions: Reactions = {}) {
  const log = { ran: [] as string[], batches: [] as string[][], pressure: [] as string[], refused: [] as string[] };
  const state = { accepting: true, running: true };
  const hooks: HandlerQueueHooks<string> = {
    accepting: () => state.accepting,
    running: () => state.running,
    run: (work) => {
      log.ran.push(label(work));
      reactions.onRun?.(work);
      return label(work).startsWith('stale') ? null : label(work);
    },
    commit: (batch) => {
      log.batches.push(batch);
      reactions.onCommit?.(batch);
    },
    pressure: (high) => log.pressure.push(`${high ? 'on' : 'off'} at ${queue.length}`),
    refused: (work) => log.refused.push(label(work)),
  };
  const queue = new HandlerQueue<string>(
    { workQueueMax: 100, workQueueHigh: 50, batchHandlersMax: 10, ...limits },
    hooks,
  );
  return { queue, log, state };
}

describe('the handler queue', () => {
  it('runs nothing inside enqueue; a later turn runs what was queued as one batch, in order', async () => {
    const { queue, log } = recordingQueue();
    for (const id of ['a', 'b', 'stale-timer', 'c']) queue.enqueue(submit(id));
    expect(log.ran).toEqual([]);
    await nextTurn();
    expect(log.ran).toEqual(['a', 'b', 'stale-timer', 'c']);
    expect(log.batches).toEqual([['a', 'b', 'c']]);
    expect(queue.length).toBe(0);
  });

  it('bounds a batch at batchHandlersMax and leaves the rest to later turns', async () => {
    const { queue, log } = recordingQueue({ batchHandlersMax: 2 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) queue.enqueue(submit(id));
    await nextTurn();
    expect(log.batches).toEqual([['a', 'b']]);
    for (let turns = 0; turns < 10 && queue.length > 0; turns += 1) await nextTurn();
    expect(log.batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('runs work queued by a commit (a self-send) in a batch of its own, on a later turn', async () => {
    const { queue, log } = recordingQueue(
      {},
      {
        onCommit: (batch) => {
          if (batch.includes('a')) queue.enqueue(submit('from-a'));
        },
      },
    );
    queue.enqueue(submit('a'));
    queue.enqueue(submit('b'));
    await nextTurn();
    expect(log.batches).toEqual([['a', 'b']]);
    await nextTurn();
    expect(log.batches).toEqual([['a', 'b'], ['from-a']]);
  });

  it('when full refuses messages and submissions, never timers', async () => {
    const { queue, log } = recordingQueue({ workQueueMax: 2, workQueueHigh: 2 });
    queue.enqueue(submit('a'));
    queue.enqueue(submit('b'));
    expect(queue.full).toBe(true);
    queue.enqueue(submit('c'));
    queue.enqueue({ kind: 'message', from: 2, msg: null, ref: '2:1:1' });
    queue.enqueue({ kind: 'timer', name: 'tick', token: 1 });
    expect(log.refused).toEqual(['c', 'message']);
    expect(queue.length).toBe(3);
    await nextTurn();
    expect(log.batches).toEqual([['a', 'b', 'tick']]);
  });

  it('puts pressure on at workQueueHigh and takes it off once a batch leaves half of it or less', async () => {
    const { queue, log } = recordingQueue({ workQueueMax: 10, workQueueHigh: 4, batchHandlersMax: 1 });
    for (const id of ['a', 'b', 'c']) queue.enqueue(submit(id));
    expect(log.pressure).toEqual([]);
    queue.enqueue(submit('d'));
    queue.enqueue(submit('e'));
    expect(log.pressure).toEqual(['on at 4']);
    expect(queue.pressured).toBe(true);
    await nextTurn(); // 4 left: still above half
    await nextTurn(); // 3 left
    expect(log.pressure).toEqual(['on at 4']);
    await nextTurn(); // 2 left: half of workQueueHigh
    expect(log.pressure).toEqual(['on at 4', 'off at 2']);
    expect(queue.pressured).toBe(false);
    for (let turns = 0; turns < 10 && queue.length > 0; turns += 1) await nextTurn();
    expect(log.pressure).toEqual(['on at 4', 'off at 2']);
    expect(log.batches.flat()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('takes no work unless accepting and runs none unless running; putFirst jumps the line', async () => {
    const { queue, log, state } = recordingQueue();
    state.accepting = false;
    queue.enqueue(submit('ignored'));
    expect(queue.length).toBe(0);
    state.accepting = true;
    state.running = false;
    queue.enqueue(submit('a'));
    await nextTurn();
    expect(log.ran).toEqual([]);
    state.running = true;
    queue.putFirst({ kind: 'start' });
    queue.drain();
    expect(log.batches).toEqual([['start', 'a']]);
  });

  it('stops a batch as soon as the node stops running, and forgets the rest on clear', async () => {
    const { queue, log, state } = recordingQueue(
      {},
      {
        onRun: (work) => {
          if (label(work) === 'b') state.running = false;
        },
      },
    );
    for (const id of ['a', 'b', 'c']) queue.enqueue(submit(id));
    await nextTurn();
    expect(log.batches).toEqual([['a', 'b']]);
    expect(queue.length).toBe(1);
    queue.clear();
    expect(queue.length).toBe(0);
  });

  it('flushes batch after batch at once, up to its bound, and not from inside a drain', () => {
    const { queue, log } = recordingQueue(
      { batchHandlersMax: 2 },
      {
        onRun: (work) => {
          if (label(work) === 'a') queue.flush(100); // inside a drain: must not recurse
        },
      },
    );
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) queue.enqueue(submit(id));
    queue.flush(2);
    expect(log.batches).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    queue.flush(100);
    expect(log.batches).toEqual([['a', 'b'], ['c', 'd'], ['e', 'f'], ['g']]);
  });

  it('commits once per drain, an empty batch too (the host decides what an empty commit does)', () => {
    const { queue, log } = recordingQueue();
    queue.drain();
    expect(log.batches).toEqual([[]]);
  });
});
