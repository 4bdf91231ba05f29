import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentWrites } from '../../src/providers/recent-writes.js';

test('a describe that lags a write is corrected for the window, then believed again', () => {
  let now = 0;
  const recent = new RecentWrites(10_000, () => now);
  recent.record('us-east-1/web', ['i-a'], true);
  recent.record('us-east-1/web', ['i-b'], false);
  assert.deepEqual(recent.apply('us-east-1/web', ['i-b', 'i-c']), ['i-a', 'i-c'], 'as lbmanager wrote it');
  assert.deepEqual(recent.apply('us-east-1/api', ['i-b']), ['i-b'], 'other targets are as described');
  now = 10_001;
  assert.deepEqual(recent.apply('us-east-1/web', ['i-b', 'i-c']), ['i-b', 'i-c'], 'after the window, AWS is right');
});
