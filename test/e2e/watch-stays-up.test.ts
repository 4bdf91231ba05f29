import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePrometheusText, value } from '../helpers/prometheus.js';
import { iid, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'watch-test-token';
const key = (n: number): string => `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`;

// Leader election is on by default, and its lease keepalive shares the gRPC connection with the watch: a resync that
// replaced the watch used to take the connection down about 10 s later, and again after every re-read.
test('with leader election on, resyncs by timer, SIGHUP and POST /resync leave the watch up for a minute', async () => {
  const s = await startStack({ lbs: ['web'] });
  try {
    await s.client.put(key(1)).value('');
    const d = await s.daemon(['--resync-interval', '7', '--http-token', TOKEN]);
    await waitReady(d);
    const restarts = async (): Promise<number | undefined> =>
      value(parsePrometheusText(await (await fetch(`${d.adminUrl}/metrics`)).text()), 'lbmanager_watch_restarts');
    const post = await fetch(`${d.adminUrl}/resync`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(post.status, 202);
    d.proc.kill('SIGHUP');
    const started = Date.now();
    let n = 1;
    // Members keep coming while the daemon resyncs: each must arrive through the watch that stays up.
    while (Date.now() - started < 60_000) {
      await new Promise((r) => setTimeout(r, 5_000));
      await s.client.put(key(++n)).value('');
      if (n === 6) d.proc.kill('SIGHUP');
    }
    await waitFor('every member registered', async () => (await s.members('web')).length === n);
    assert.equal(await restarts(), 0, 'the watch was never restarted');
    assert.doesNotMatch(d.output(), /etcd watch lost/);
    assert.ok((d.output().match(/"reason":"resync"/g) ?? []).length >= 5, 'resyncs happened meanwhile');
  } finally {
    await s.stop();
  }
});
