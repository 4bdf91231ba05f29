import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeCalls, setFaults } from '../helpers/fake-aws.js';
import { adminState, iid, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const elbKey = (n: number): string => `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`;
const dnsKey = (ip: string): string => `/lbManager/route53/us-east-1/ZT/www.t.test/multiple/${ip}`;

// Without timeouts a request that is never answered holds its target (and, for Route53, its whole zone) until the OS
// gives up, minutes later, or forever: these waits would then time out.
test('a Route53 endpoint that swallows the first two requests: the load balancer converges meanwhile, then the zone', async () => {
  const s = await startStack({ lbs: ['web'], zones: { ZT: 't.test' } });
  try {
    const d = await s.daemon(['--no-leader-election', '--aws-request-timeout', '1', '--aws-connect-timeout', '1']);
    await waitReady(d);
    await setFaults(s.fake.url, { rules: [{ service: 'route53', hang: true, count: 2 }] });
    await s.client.put(dnsKey('192.0.2.1')).value('');
    await waitFor('the zone read is swallowed', async () => (await fakeCalls(s.fake.url)).inFlight.length > 0);
    await s.client.put(elbKey(1)).value('');
    await waitFor('the load balancer converged while Route53 hangs', async () =>
      (await s.members('web')).includes(iid(1)),
    );
    await waitFor(
      'the zone converged once the swallowed requests timed out',
      async () => (await s.state()).route53.zones.ZT?.recordSets.some((r) => r.type === 'A') === true,
      20_000,
    );
    assert.deepEqual((await fakeCalls(s.fake.url)).inFlight, [], 'the client gave the swallowed requests up');
  } finally {
    await s.stop();
  }
});

test('a reconcile past its deadline is cancelled, reported, and retried: the load balancer converges', async () => {
  const s = await startStack({ lbs: ['web'] });
  try {
    const d = await s.daemon(['--no-leader-election', '--reconcile-timeout', '2', '--aws-request-timeout', '600']);
    await waitReady(d);
    await setFaults(s.fake.url, {
      rules: [{ operation: 'RegisterInstancesWithLoadBalancer', target: 'web', hang: true, count: 1 }],
    });
    await s.client.put(elbKey(2)).value('');
    const failed = await waitFor('the deadline is reported', async () => {
      const t = (await adminState(d)).targets.find((x) => x.id === 'elb/us-east-1/web');
      return t?.lastError?.code === 'ReconcileTimeout' ? t : undefined;
    });
    assert.ok(failed);
    await waitFor('retried after backoff and converged', async () => (await s.members('web')).includes(iid(2)));
    await waitFor('the error cleared', async () => {
      const t = (await adminState(d)).targets.find((x) => x.id === 'elb/us-east-1/web');
      return t?.lastError === null;
    });
    assert.deepEqual((await fakeCalls(s.fake.url)).inFlight, [], 'the cancelled request was closed, not left hanging');
  } finally {
    await s.stop();
  }
});
