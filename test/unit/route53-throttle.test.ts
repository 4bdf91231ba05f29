import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeCount, Route53Throttle } from '../../src/providers/route53-throttle.js';
import { TokenBucket } from '../../src/util/token-bucket.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';

/** Starts `n` acquisitions and returns a function telling how many have been granted so far. */
function start(t: Route53Throttle, n: number, changes = 0, priority: 'now' | 'ahead' = 'now'): () => number {
  let granted = 0;
  for (let i = 0; i < n; i++) void t.acquire(changes, priority).then(() => granted++);
  return () => granted;
}

describe('token bucket', () => {
  test('starts full, refills at its rate, never above its capacity', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(50, 10, () => clock.now());
    assert.equal(b.waitMs(50), 0);
    b.take(50);
    assert.equal(b.waitMs(1), 100, 'one token takes a tenth of a second');
    clock.advance(1000);
    assert.equal(b.waitMs(10), 0);
    assert.equal(b.waitMs(11), 100);
    clock.advance(3_600_000);
    assert.equal(b.waitMs(51), 0, 'more than it holds waits for a full bucket only');
    b.take(51);
    assert.equal(b.waitMs(1), 100, 'and takes all of it');
  });

  test('a rate of 0 is no limit', () => {
    const b = new TokenBucket(1, 0, () => 0);
    b.take(1_000_000);
    assert.equal(b.waitMs(1_000_000), 0);
  });
});

describe('Route53 throttle (the account buckets of the developer guide)', () => {
  test('a burst of 50 requests goes at once, then 10 a second', async () => {
    const clock = new FakeClock();
    const granted = start(new Route53Throttle({ clock }), 70);
    await flush();
    assert.equal(granted(), 50);
    clock.advance(1000);
    await flush();
    assert.equal(granted(), 60);
    clock.advance(1000);
    await flush();
    assert.equal(granted(), 70);
  });

  test('--route53-rps 2: two a second once the burst is spent; 0 is unlimited', async () => {
    const clock = new FakeClock();
    const two = start(new Route53Throttle({ clock, requestRate: 2 }), 54);
    await flush();
    assert.equal(two(), 50);
    clock.advance(1000);
    await flush();
    assert.equal(two(), 52);
    const unlimited = start(new Route53Throttle({ clock, requestRate: 0 }), 500);
    await flush();
    assert.equal(unlimited(), 500);
  });

  test('record changes take tokens of their own bucket: a big batch waits for it, reads do not', async () => {
    const clock = new FakeClock();
    const t = new Route53Throttle({ clock, changeBurst: 1000, changeRate: 100 });
    const first = start(t, 1, 1000);
    await flush();
    assert.equal(first(), 1, 'a full bucket takes a batch of 1,000 changes');
    const second = start(t, 1, 500);
    await flush();
    assert.equal(second(), 0, 'the next batch waits for 500 changes to refill');
    clock.advance(4000);
    await flush();
    assert.equal(second(), 0);
    clock.advance(1000);
    await flush();
    assert.equal(second(), 1);
  });

  test("a reconcile's request goes before listings made ahead of time", async () => {
    const clock = new FakeClock();
    const t = new Route53Throttle({ clock, requestBurst: 1, requestRate: 1 });
    await t.acquire();
    const order: string[] = [];
    void t.acquire(0, 'ahead').then(() => order.push('ahead'));
    void t.acquire(0, 'now').then(() => order.push('now'));
    clock.advance(1000);
    await flush();
    clock.advance(1000);
    await flush();
    assert.deepEqual(order, ['now', 'ahead']);
  });

  test('an UPSERT counts as two changes (a DELETE and a CREATE), a DELETE as one', () => {
    assert.equal(
      changeCount({ ChangeBatch: { Changes: [{ Action: 'UPSERT' }, { Action: 'DELETE' }, { Action: 'CREATE' }] } }),
      4,
    );
    assert.equal(changeCount({ HostedZoneId: 'Z1' }), 0);
  });
});
