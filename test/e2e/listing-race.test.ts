import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InFlightCall } from '../../src/fake-aws/server.js';
import { fakeCalls, setFaults } from '../helpers/fake-aws.js';
import { iid, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const TOKEN = 'race-test-token';
const lbName = (n: number): string => `lb-${String(n).padStart(2, '0')}`;
const key = (region: string, lb: string, n: number): string => `/lbManager/elb/${region}/${lb}/multiple/${iid(n)}`;

// The race a resync makes in a region listed whole (20 load balancers or more): the listing starts while a register
// is on its way and AWS answers it before applying the register. The fake's per-call latency forces that order.
test('a region listing answered before a write lands never answers the read after it: a deleted member goes', async () => {
  const s = await startStack();
  const east = Array.from({ length: 22 }, (_, i) => lbName(i + 1));
  s.fake.state.load({
    elb: {
      'us-east-1': Object.fromEntries(east.map((n) => [n, { instances: [] }])),
      'us-west-2': { 'lb-w1': { instances: [] }, 'lb-w2': { instances: [] } },
    },
  });
  try {
    const keys = east.map((lb, i) => key('us-east-1', lb, i + 1));
    keys.push(key('us-west-2', 'lb-w1', 901), key('us-west-2', 'lb-w2', 902));
    await s.putMany(keys);
    const d = await s.daemon(['--http-token', TOKEN]);
    await waitReady(d);
    assert.deepEqual(await s.members('lb-01'), [iid(1)]);

    await setFaults(s.fake.url, {
      rules: [{ operation: 'RegisterInstancesWithLoadBalancer', target: 'lb-01', latencyMs: 4000, count: 1 }],
    });
    const since = (await fakeCalls(s.fake.url)).total;
    await s.client.put(key('us-east-1', 'lb-01', 500)).value('');
    const inFlight = async (): Promise<InFlightCall[]> => (await fakeCalls(s.fake.url, since)).inFlight;
    await waitFor('the register of lb-01 is on its way', async () =>
      (await inFlight()).some((c) => c.operation === 'RegisterInstancesWithLoadBalancer' && c.target === 'lb-01'),
    );

    const resync = await fetch(`${d.adminUrl}/resync`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(resync.status, 202);
    await waitFor('the region was listed while the register was still in flight', async () => {
      const { calls } = await fakeCalls(s.fake.url, since);
      // A listing names no load balancer.
      const listed = calls.some(
        (c) => c.operation === 'DescribeLoadBalancers' && c.region === 'us-east-1' && c.target === '',
      );
      const stillWriting = (await inFlight()).some((c) => c.operation === 'RegisterInstancesWithLoadBalancer');
      return listed && stillWriting;
    });
    await s.client.delete().key(key('us-east-1', 'lb-01', 500));

    await waitFor('the register landed', async () => (await inFlight()).length === 0, 15_000);
    await waitFor('the deleted member is deregistered', async () => (await s.members('lb-01')).length === 1, 15_000);
    assert.deepEqual(await s.members('lb-01'), [iid(1)]);
    const { calls } = await fakeCalls(s.fake.url, since);
    assert.ok(
      calls.some((c) => c.operation === 'DeregisterInstancesFromLoadBalancer' && c.target === 'lb-01'),
      'lb-01 was read afresh after its write and the member removed',
    );
  } finally {
    await s.stop();
  }
});
