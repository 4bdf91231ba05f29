import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay } from '../../src/util/backoff.js';
import { WorkQueue } from '../../src/reconcile/work-queue.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('work queue: deduplication', () => {
  test('marks made before a key runs give one run', async () => {
    const runs: string[] = [];
    const q = new WorkQueue({
      settleMs: 0,
      process: (k) => (runs.push(k), Promise.resolve()),
      concurrency: 1,
    });
    q.pause();
    for (let i = 0; i < 10; i++) q.add('lb-a');
    q.add('lb-b');
    q.resume();
    await q.onIdle();
    assert.deepEqual(runs, ['lb-a', 'lb-b']);
  });
});

describe('work queue: one in flight per key', () => {
  test('a key never runs twice at once, and a mark during a run gives exactly one more run', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const gates: Array<ReturnType<typeof deferred>> = [];
    const q = new WorkQueue({
      settleMs: 0,
      concurrency: 8,
      process: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        const g = deferred();
        gates.push(g);
        await g.promise;
        concurrent--;
      },
    });
    q.add('lb-a');
    await flush();
    assert.equal(gates.length, 1);
    for (let i = 0; i < 5; i++) q.add('lb-a');
    await flush();
    assert.equal(gates.length, 1, 'no second run while the first is in flight');
    gates[0]?.resolve();
    await flush();
    assert.equal(gates.length, 2, 'the marks made during the run give one more run');
    gates[1]?.resolve();
    await q.onIdle();
    assert.equal(gates.length, 2, 'and only one');
    assert.equal(maxConcurrent, 1);
  });

  test('different keys run concurrently up to the bound', async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const gates: Array<ReturnType<typeof deferred>> = [];
    const q = new WorkQueue({
      settleMs: 0,
      concurrency: 3,
      process: async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        const g = deferred();
        gates.push(g);
        await g.promise;
        concurrent--;
      },
    });
    for (let i = 0; i < 10; i++) q.add(`lb-${i}`);
    await flush();
    assert.equal(gates.length, 3);
    assert.equal(q.depth, 7);
    while (gates.some((g) => g)) {
      const g = gates.shift();
      g?.resolve();
      await flush();
    }
    await q.onIdle();
    assert.equal(maxConcurrent, 3);
  });
});

describe('work queue: backoff', () => {
  test('failures back off exponentially and a success resets the count', async () => {
    const clock = new FakeClock();
    let failNext = 3;
    const runs: number[] = [];
    const delays: number[] = [];
    const q = new WorkQueue({
      settleMs: 0,
      clock,
      random: () => 0,
      process: () => {
        runs.push(clock.now());
        if (failNext > 0) {
          failNext--;
          return Promise.reject(new Error('Throttling'));
        }
        return Promise.resolve();
      },
      onFailure: (_k, _e, _n, delay) => delays.push(delay),
    });
    q.add('zone');
    await flush();
    assert.deepEqual(delays, [1000]);
    assert.equal(q.failureCount('zone'), 1);
    clock.advance(999);
    await flush();
    assert.equal(runs.length, 1, 'not retried before the delay');
    clock.advance(1);
    await flush();
    assert.deepEqual(delays, [1000, 2000]);
    clock.advance(2000);
    await flush();
    assert.deepEqual(delays, [1000, 2000, 4000]);
    clock.advance(4000);
    await flush();
    assert.equal(runs.length, 4);
    assert.equal(q.failureCount('zone'), 0, 'reset on success');
    failNext = 1;
    q.add('zone');
    await flush();
    assert.equal(delays.at(-1), 1000, 'the next failure starts again from the base delay');
  });

  test('marks during backoff wait for the retry instead of bypassing it; addNow cuts it short', async () => {
    const clock = new FakeClock();
    let runs = 0;
    const q = new WorkQueue({
      settleMs: 0,
      clock,
      random: () => 0,
      process: () => (runs++, Promise.reject(new Error('x'))),
    });
    q.add('lb');
    await flush();
    q.add('lb');
    q.add('lb');
    await flush();
    assert.equal(runs, 1);
    clock.advance(1000);
    await flush();
    assert.equal(runs, 2, 'one retry for the timer and the marks together');
    q.addNow('lb');
    await flush();
    assert.equal(runs, 3);
  });

  test('delay is capped at 5 minutes and jitter only shortens it', () => {
    assert.equal(
      backoffDelay(1, undefined, () => 0),
      1000,
    );
    assert.equal(
      backoffDelay(4, undefined, () => 0),
      8000,
    );
    assert.equal(
      backoffDelay(30, undefined, () => 0),
      300_000,
    );
    assert.equal(
      backoffDelay(100, undefined, () => 0),
      300_000,
    );
    const jittered = backoffDelay(3, undefined, () => 1);
    assert.ok(jittered < 4000 && jittered >= 3200, `jittered ${jittered}`);
  });

  test('a key failing does not hold back the others', async () => {
    const clock = new FakeClock();
    const done: string[] = [];
    const q = new WorkQueue({
      settleMs: 0,
      clock,
      concurrency: 1,
      process: (k) =>
        k === 'bad' ? Promise.reject(new Error('LoadBalancerNotFound')) : (done.push(k), Promise.resolve()),
    });
    q.add('bad');
    q.add('good-1');
    q.add('good-2');
    await q.onIdle();
    assert.deepEqual(done, ['good-1', 'good-2']);
    assert.equal(q.failureCount('bad'), 1);
  });
});

describe('work queue: stop', () => {
  test('stop waits for in-flight runs and takes no new work', async () => {
    const g = deferred();
    const runs: string[] = [];
    const q = new WorkQueue({
      settleMs: 0,
      process: async (k) => (runs.push(k), await g.promise),
    });
    q.add('a');
    await flush();
    const stopping = q.stop(10_000);
    q.add('b');
    g.resolve();
    assert.equal(await stopping, true);
    assert.deepEqual(runs, ['a']);
  });

  test('stop gives up after the timeout', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({
      settleMs: 0,
      clock,
      process: () => new Promise<void>(() => undefined),
    });
    q.add('a');
    await flush();
    const stopping = q.stop(10_000);
    clock.advance(10_000);
    assert.equal(await stopping, false);
  });
});

describe('work queue: settling', () => {
  test('a burst of marks runs once, after the key has been quiet for the settle time', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const q = new WorkQueue({
      clock,
      settleMs: 25,
      maxSettleMs: 1000,
      process: () => (runs.push(clock.now()), Promise.resolve()),
    });
    for (let i = 0; i < 10; i++) {
      q.add('lb');
      clock.advance(10);
      await flush();
    }
    assert.deepEqual(runs, [], 'still busy: not run yet');
    clock.advance(25);
    await flush();
    assert.deepEqual(runs, [], 'a burst is on: the quiet time is the burst one');
    clock.advance(75);
    await flush();
    assert.deepEqual(runs, [190], 'the last mark was at 90 ms, and the burst quiet time is 100 ms');
  });

  test('a lone mark runs after the short settle time', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const q = new WorkQueue({ clock, settleMs: 25, process: () => (runs.push(clock.now()), Promise.resolve()) });
    q.add('lb');
    clock.advance(25);
    await flush();
    assert.deepEqual(runs, [25]);
  });

  test('gaps longer than the settle time but shorter than the burst quiet time keep a burst together', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const q = new WorkQueue({
      clock,
      settleMs: 25,
      burstSettleMs: 100,
      maxSettleMs: 1000,
      process: () => (runs.push(clock.now()), Promise.resolve()),
    });
    q.add('lb');
    clock.advance(10);
    await flush();
    for (let i = 0; i < 10; i++) {
      q.add('lb');
      clock.advance(60);
      await flush();
    }
    assert.deepEqual(runs, [], 'marks 60 ms apart: one burst, not ten runs');
    clock.advance(40);
    await flush();
    assert.deepEqual(runs, [650]);
  });

  test('a key that never goes quiet still runs within the maximum settle time', async () => {
    const clock = new FakeClock();
    const runs: number[] = [];
    const q = new WorkQueue({
      clock,
      settleMs: 25,
      maxSettleMs: 200,
      process: () => (runs.push(clock.now()), Promise.resolve()),
    });
    for (let i = 0; i < 30; i++) {
      q.add('lb');
      clock.advance(10);
      await flush();
    }
    assert.equal(runs[0], 200);
    clock.advance(1000);
    await q.onIdle();
    assert.equal(runs.length, 2, 'the marks made after the first run give one more');
  });

  test('settleScale makes expensive keys wait longer for quiet, others not', async () => {
    const clock = new FakeClock();
    const runs: string[] = [];
    const q = new WorkQueue({
      clock,
      settleMs: 25,
      settleScale: (key) => (key.startsWith('zone') ? 4 : 1),
      process: (key) => (runs.push(`${key}@${clock.now()}`), Promise.resolve()),
    });
    q.add('zone-a');
    q.add('lb-a');
    clock.advance(25);
    await flush();
    assert.deepEqual(runs, ['lb-a@25']);
    clock.advance(75);
    await flush();
    assert.deepEqual(runs, ['lb-a@25', 'zone-a@100']);
  });

  test('onIdle waits for settling keys', async () => {
    const clock = new FakeClock();
    let ran = false;
    const q = new WorkQueue({ clock, settleMs: 25, process: () => ((ran = true), Promise.resolve()) });
    q.add('lb');
    let idle = false;
    void q.onIdle().then(() => (idle = true));
    await flush();
    assert.equal(idle, false);
    clock.advance(25);
    await flush();
    assert.equal(ran, true);
    assert.equal(idle, true);
  });
});
