// The fake's token buckets on a hand-driven clock: what each request or change batch is answered, never a timing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultFaults, parseFaults, route53ThrottleConfig } from '../../src/fake-aws/faults.js';
import { Route53Throttle, type Route53ThrottleConfig } from '../../src/fake-aws/route53-throttle.js';
import { TokenBucket } from '../../src/util/token-bucket.js';

/** A clock that moves only when told to. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** How many of `n` attempts (the i-th given i) are admitted, in order. */
const admitted = (n: number, attempt: (i: number) => boolean): number =>
  Array.from({ length: n }, (_, i) => attempt(i)).filter(Boolean).length;

describe('TokenBucket', () => {
  test('starts full, empties, refills at its rate up to its capacity', () => {
    const clock = manualClock();
    const b = new TokenBucket(5, 2, clock.now);
    assert.equal(
      admitted(7, () => b.tryTake()),
      5,
      'the burst',
    );
    clock.advance(499);
    assert.equal(b.tryTake(), false, 'just under one token after 0.499 s at 2/s');
    clock.advance(1);
    assert.equal(b.tryTake(), true, 'one token after 0.5 s');
    clock.advance(60_000);
    assert.equal(b.available(), 5, 'never more than the capacity');
  });

  test('takes n tokens all or none', () => {
    const clock = manualClock();
    const b = new TokenBucket(10, 1, clock.now);
    assert.equal(b.tryTake(7), true);
    assert.equal(b.tryTake(4), false);
    assert.equal(b.available(), 3, 'a refused take takes nothing');
    assert.equal(b.tryTake(3), true);
  });

  test('a refill rate of 0 does not limit; leaving that state starts full', () => {
    const clock = manualClock();
    const b = new TokenBucket(0, 0, clock.now);
    assert.equal(
      admitted(1000, () => b.tryTake()),
      1000,
    );
    b.configure(3, 1);
    assert.equal(
      admitted(5, () => b.tryTake()),
      3,
    );
  });

  test('a new configuration keeps the tokens earned, cut to the new capacity', () => {
    const clock = manualClock();
    const b = new TokenBucket(10, 1, clock.now);
    b.tryTake(8);
    b.configure(20, 1);
    assert.equal(b.available(), 2, 'no free refill');
    clock.advance(5000);
    b.configure(4, 1);
    assert.equal(b.available(), 4);
    b.fill();
    assert.equal(b.available(), 4);
  });
});

describe("Route53Throttle: the developer guide's buckets", () => {
  const defaults: Route53ThrottleConfig = route53ThrottleConfig(defaultFaults(1));
  const throttle = (config: Partial<Route53ThrottleConfig> = {}) => {
    const clock = manualClock();
    return { clock, t: new Route53Throttle({ ...defaults, ...config }, clock.now) };
  };

  test('the account bucket: 50 requests at once, then 10 a second, across operations', () => {
    const { clock, t } = throttle();
    const ops = ['ListResourceRecordSets', 'GetChange', 'GetHostedZone'];
    assert.equal(
      admitted(60, (i) => t.admitRequest(ops[i % ops.length] ?? 'GetChange')),
      50,
    );
    clock.advance(100);
    assert.equal(t.admitRequest('ListResourceRecordSets'), true, 'one token after 0.1 s');
    assert.equal(t.admitRequest('GetChange'), false);
    clock.advance(1000);
    assert.equal(
      admitted(20, () => t.admitRequest('GetChange')),
      10,
    );
  });

  test("CreateHostedZone's own bucket (40, 2 a second) throttles it while other operations go on", () => {
    const { clock, t } = throttle();
    assert.equal(
      admitted(45, () => t.admitRequest('CreateHostedZone')),
      40,
    );
    assert.equal(
      admitted(15, () => t.admitRequest('GetHostedZone')),
      10,
      'the account bucket had 10 left',
    );
    clock.advance(500);
    assert.equal(t.admitRequest('CreateHostedZone'), true, 'one token after 0.5 s at 2/s');
    assert.equal(t.admitRequest('CreateHostedZone'), false);
  });

  test('a request refused by one bucket takes nothing from the other', () => {
    const { t } = throttle({ accountBurst: 100 });
    assert.equal(
      admitted(45, () => t.admitRequest('DeleteHostedZone')),
      40,
    );
    assert.equal(
      admitted(100, () => t.admitRequest('GetChange')),
      50,
      'GetChange has its own bucket of 50',
    );
    assert.equal(
      admitted(10, () => t.admitRequest('ListHostedZones')),
      10,
      'the account kept 100 - 90',
    );
  });

  test('per-operation buckets can be turned off; route53Rps 0 turns every bucket off', () => {
    const noOps = throttle({ operationBuckets: false }).t;
    assert.equal(
      admitted(50, () => noOps.admitRequest('CreateHostedZone')),
      50,
    );
    const off = throttle({ accountRate: 0 }).t;
    assert.equal(
      admitted(500, () => off.admitRequest('CreateHostedZone')),
      500,
    );
    assert.equal(off.admitChanges(Array<string>(5000).fill('UPSERT')), true);
  });

  test('the change bucket counts changes, an UPSERT as two by default', () => {
    const { clock, t } = throttle();
    assert.equal(t.changeCost(['CREATE', 'DELETE', 'UPSERT']), 4);
    assert.equal(t.admitChanges(Array<string>(500).fill('UPSERT')), true, 'the largest legal batch fits a full bucket');
    assert.equal(t.admitChanges(['CREATE']), false);
    clock.advance(10);
    assert.equal(t.admitChanges(['CREATE']), true, 'one change after 10 ms at 100/s');
    clock.advance(20);
    assert.equal(t.admitChanges(['UPSERT']), true);
    assert.equal(t.admitChanges(['DELETE']), false);
    const once = throttle({ upsertChanges: 1 }).t;
    assert.equal(once.changeCost(['UPSERT', 'UPSERT']), 2);
  });

  test('a refused batch takes no changes; a change rate of 0 turns the change bucket off', () => {
    const { t } = throttle({ changeBurst: 10 });
    assert.equal(t.admitChanges(Array<string>(6).fill('UPSERT')), false, '12 changes do not fit in 10');
    assert.equal(t.admitChanges(Array<string>(10).fill('CREATE')), true, 'the refusal took nothing');
    const off = throttle({ changeRate: 0 }).t;
    assert.equal(off.admitChanges(Array<string>(5000).fill('UPSERT')), true);
  });

  test('new figures apply to the buckets in place; fill() is a new account', () => {
    const { t } = throttle();
    assert.equal(
      admitted(50, () => t.admitRequest('GetChange')),
      50,
    );
    t.configure({ ...defaults, accountBurst: 80 });
    assert.equal(t.admitRequest('GetChange'), false, 'a bigger bucket is not a refill');
    t.fill();
    assert.equal(
      admitted(100, () => t.admitRequest('ListResourceRecordSets')),
      50,
      'the operation bucket caps it',
    );
  });
});

describe('fault fields of the Route53 buckets', () => {
  test('are validated', () => {
    assert.deepEqual(parseFaults({ route53Burst: 10, route53OperationBuckets: false, route53UpsertChanges: 1 }), {
      route53Burst: 10,
      route53OperationBuckets: false,
      route53UpsertChanges: 1,
    });
    assert.throws(() => parseFaults({ route53UpsertChanges: 3 }), /route53UpsertChanges is 1 or 2/);
    assert.throws(() => parseFaults({ route53OperationBuckets: 'no' }), /true or false/);
    assert.throws(() => parseFaults({ route53ChangeBurst: 0 }), /at least 1/);
  });

  test("default to the page's figures, the change bucket to the fake's documented choice", () => {
    const f = defaultFaults(1);
    assert.deepEqual(
      [f.route53Rps, f.route53Burst, f.route53OperationBuckets, f.route53ChangeRate, f.route53ChangeBurst],
      [10, 50, true, 100, 1000],
    );
    assert.equal(f.route53UpsertChanges, 2);
  });
});
