// The fake's token buckets on a hand-driven clock: what each attempt is answered, never a timing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenBucket } from '../../src/fake-aws/token-bucket.js';

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
