import assert from 'node:assert/strict';
import { test } from 'node:test';
import { has, parsePrometheusText, value, type Sample } from '../helpers/prometheus.js';
import { adminState, iid, startStack, type StackDaemon } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'admin-token-for-test';
const key = (lb: string, n: number): string => `/lbManager/elb/us-east-1/${lb}/multiple/${iid(n)}`;

async function metrics(d: StackDaemon): Promise<Sample[]> {
  const r = await fetch(`${d.adminUrl}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await r.text());
}

async function readyz(d: StackDaemon): Promise<{ status: number; body: string }> {
  const r = await fetch(`${d.adminUrl}/readyz`);
  return { status: r.status, body: await r.text() };
}

test('admin endpoint: health, readiness through start, hold and etcd loss, metrics that move, state, resync with a token', async () => {
  const s = await startStack({ lbs: ['web'] });
  try {
    // etcd is down when the daemon starts: alive, not ready.
    await s.etcd.kill('SIGKILL');
    const d = await s.daemon(['--http-token', TOKEN, '--max-removal-percent', '50']);
    const health = await fetch(`${d.adminUrl}/healthz`);
    assert.equal(health.status, 200);
    const early = await readyz(d);
    assert.equal(early.status, 503);
    assert.match(early.body, /not ready: the tree has not been read completely/);

    await s.etcd.restart();
    // A standby is ready as soon as its view is warm, so readiness alone can come before the election is won.
    await waitFor(
      'leader and ready after the first sync',
      async () => value(await metrics(d), 'lbmanager_leader') === 1 && (await readyz(d)).status === 200,
      30_000,
    );
    const m0 = await metrics(d);
    assert.equal(value(m0, 'lbmanager_leader'), 1);
    for (const name of [
      'lbmanager_queue_depth',
      'lbmanager_desired_members',
      'lbmanager_actual_members',
      'lbmanager_malformed_keys',
      'lbmanager_last_successful_sync_timestamp_seconds',
      'lbmanager_watch_restarts',
      'lbmanager_removals_held',
    ]) {
      assert.ok(has(m0, name), `${name} is exported`);
    }

    // Members, a missing load balancer and a malformed key: the series move.
    await s.putMany(Array.from({ length: 12 }, (_, i) => key('web', i + 1)));
    await s.client.put(key('nope', 1)).value('');
    await s.client.put('/lbManager/elb/us-east-1/web/sometimes/i-1').value('');
    await waitFor('registered', async () => (await s.members('web')).length === 12);
    await waitFor('the missing load balancer is reported', async () => {
      const st = await adminState(d);
      return st.targets.find((t) => t.id === 'elb/us-east-1/nope')?.lastError?.code === 'LoadBalancerNotFound';
    });
    const m1 = await metrics(d);
    assert.ok(
      value(m1, 'lbmanager_reconciles_total', { kind: 'elb', outcome: 'ok' }) >
        value(m0, 'lbmanager_reconciles_total', { kind: 'elb', outcome: 'ok' }),
    );
    assert.ok(
      value(m1, 'lbmanager_aws_calls_total', { operation: 'RegisterInstancesWithLoadBalancer', outcome: 'ok' }) >= 1,
    );
    assert.ok(
      value(m1, 'lbmanager_aws_calls_total', { operation: 'DescribeLoadBalancers', outcome: 'LoadBalancerNotFound' }) >=
        1,
    );
    assert.ok(value(m1, 'lbmanager_errors_total', { kind: 'elb', code: 'LoadBalancerNotFound' }) >= 1);
    assert.equal(value(m1, 'lbmanager_desired_members', { kind: 'elb' }), 13);
    assert.equal(value(m1, 'lbmanager_actual_members', { kind: 'elb' }), 12);
    assert.equal(value(m0, 'lbmanager_malformed_keys'), 0);
    assert.equal(value(m1, 'lbmanager_malformed_keys'), 1);
    assert.ok(value(m1, 'lbmanager_reconcile_duration_seconds_count', { kind: 'elb' }) >= 1);

    // /state: one entry per target.
    const st = (await (await fetch(`${d.adminUrl}/state`)).json()) as {
      leader: boolean;
      malformedKeys: number;
      targets: Array<{
        id: string;
        kind: string;
        activeClass: string;
        desired: string[];
        actual: string[];
        lastSync: string | null;
      }>;
    };
    assert.equal(st.leader, true);
    assert.equal(st.malformedKeys, 1);
    const web = st.targets.find((t) => t.id === 'elb/us-east-1/web');
    assert.equal(web?.kind, 'elb');
    assert.equal(web?.activeClass, 'multiple');
    assert.equal(web?.actual.length, 12);
    assert.deepEqual(web?.desired, web?.actual);
    assert.ok(web?.lastSync);

    // POST /resync needs the token.
    assert.equal((await fetch(`${d.adminUrl}/resync`, { method: 'POST' })).status, 401);
    const wrong = await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    assert.equal((await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: auth })).status, 202);
    assert.equal((await fetch(`${d.adminUrl}/resync`)).status, 405);
    // A page of another origin is refused even with the token (a browser sends Origin; a page cannot hide it).
    const foreign = { ...auth, origin: 'http://evil.example' };
    assert.equal((await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: foreign })).status, 403);
    assert.equal((await fetch(`${d.adminUrl}/state`, { headers: { origin: 'http://evil.example' } })).status, 403);
    const own = { ...auth, origin: d.adminUrl };
    assert.equal((await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: own })).status, 202);

    // A purge: held, not ready, with the reason; confirmed, drained and ready again.
    await s.client.delete().prefix('/lbManager/elb/us-east-1/web/');
    await waitFor('held', async () => (await readyz(d)).status === 503);
    assert.match((await readyz(d)).body, /removals held: 12 of 12 managed members/);
    assert.equal(value(await metrics(d), 'lbmanager_removals_held'), 1);
    assert.equal((await s.members('web')).length, 12, 'nothing removed while held');
    const confirm = await fetch(`${d.adminUrl}/resync?confirm-removal=true`, { method: 'POST', headers: auth });
    assert.equal(confirm.status, 202);
    await waitFor('drained', async () => (await s.members('web')).length === 0);
    await waitFor('ready again', async () => (await readyz(d)).status === 200);

    // etcd lost: not ready until the tree is read again; the watch restart is counted.
    const restarts = value(await metrics(d), 'lbmanager_watch_restarts');
    await s.etcd.kill('SIGKILL');
    await waitFor('not ready while etcd is down', async () => (await readyz(d)).status === 503);
    assert.match((await readyz(d)).body, /has not been read completely/);
    assert.equal((await fetch(`${d.adminUrl}/healthz`)).status, 200, 'still alive');
    await s.etcd.restart();
    await waitFor('ready after etcd is back', async () => (await readyz(d)).status === 200, 30_000);
    assert.ok(value(await metrics(d), 'lbmanager_watch_restarts') > restarts);
  } finally {
    await s.stop();
  }
});
