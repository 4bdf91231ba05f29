import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeInstanceHealthCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { ARN, iid, RULES_STATE } from '../helpers/fake-aws-elb-rules.js';
import { fakeState, setFaults, startTestFakeAws } from '../helpers/fake-aws.js';
import { waitFor } from '../helpers/wait.js';

// The ELB and ELBv2 rules of the fake (DESIGN.md section 7), through the real AWS SDK for JavaScript.
const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };

describe('fake-aws ELB and ELBv2 rules through the AWS SDK for JavaScript', () => {
  let fake: FakeAwsServer;
  let elb: ElasticLoadBalancingClient;
  let elbv2: ElasticLoadBalancingV2Client;
  const register = (tg: string, Targets: TargetDescription[]) =>
    elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: ARN(tg), Targets }));
  const deregister = (tg: string, Targets: TargetDescription[]) =>
    elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: ARN(tg), Targets }));
  /** `id:port zone state` of every target DescribeTargetHealth lists. */
  const health = async (tg: string): Promise<string[]> =>
    ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: ARN(tg) }))).TargetHealthDescriptions ?? [])
      .map((d) => `${d.Target?.Id}:${d.Target?.Port} ${d.Target?.AvailabilityZone ?? '-'} ${d.TargetHealth?.State}`)
      .sort();
  const registered = async (tg: string): Promise<string[]> =>
    ((await fakeState(fake.url)).elbv2['us-east-1']?.[tg]?.targets ?? []).map((t) => `${t.id}:${t.port}`).sort();

  before(async () => {
    fake = await startTestFakeAws();
    fake.state.load(RULES_STATE);
    const common = { region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 };
    elb = new ElasticLoadBalancingClient(common);
    elbv2 = new ElasticLoadBalancingV2Client(common);
  });
  after(async () => {
    elb.destroy();
    elbv2.destroy();
    await fake.close();
  });

  test('lifecycle: initial, healthy, draining for the delay, gone; registered again while draining: as it was', async () => {
    // life-tg takes ten minutes to healthy and to drain: each state is seen without racing the clock.
    await register('life-tg', [{ Id: iid(10) }]);
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - initial`]);
    await deregister('life-tg', [{ Id: iid(10) }]);
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - draining`]);
    assert.deepEqual((await fakeState(fake.url)).elbv2['us-east-1']?.['life-tg']?.draining, [
      { id: iid(10), port: 80 },
    ]);
    await register('life-tg', [{ Id: iid(10) }]);
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - initial`], 'its health checks go on');
    // The account's defaults (100 ms to healthy, 300 ms of draining) end by themselves.
    const mine = async (): Promise<string[]> => (await health('inst-tg')).filter((t) => t.startsWith(iid(11)));
    await register('inst-tg', [{ Id: iid(11) }]);
    await waitFor('healthy', async () => (await mine()).join() === `${iid(11)}:80 - healthy`);
    await deregister('inst-tg', [{ Id: iid(11) }]);
    await waitFor('drained and gone', async () => (await mine()).length === 0);
    const asked = await elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: ARN('inst-tg'), Targets: [{ Id: iid(11) }] }),
    );
    assert.deepEqual(asked.TargetHealthDescriptions?.[0]?.TargetHealth, {
      State: 'unused',
      Reason: 'Target.NotRegistered',
      Description: 'Target is not registered to the target group',
    });
    // slow-tg drains for ten minutes: a healthy target registered again meanwhile is healthy again at once.
    await register('slow-tg', [{ Id: iid(12) }]);
    await waitFor('healthy', async () => (await health('slow-tg')).join() === `${iid(12)}:80 - healthy`);
    await deregister('slow-tg', [{ Id: iid(12) }]);
    assert.deepEqual(await health('slow-tg'), [`${iid(12)}:80 - draining`]);
    await register('slow-tg', [{ Id: iid(12) }]);
    assert.deepEqual(await health('slow-tg'), [`${iid(12)}:80 - healthy`]);
    assert.deepEqual(await registered('slow-tg'), [`${iid(12)}:80`]);
  });

  test('describeLagMs: describes show the membership as it was; writes apply at once', async () => {
    await setFaults(fake.url, { describeLagMs: 600_000 });
    try {
      await register('inst-tg', [{ Id: iid(40) }]);
      await elb.send(
        new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: iid(41) }] }),
      );
      assert.ok(!(await health('inst-tg')).some((t) => t.startsWith(iid(40))), 'not described yet');
      const lb = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['web'] }));
      assert.ok(!lb.LoadBalancerDescriptions?.[0]?.Instances?.some((i) => i.InstanceId === iid(41)));
      const ih = await elb.send(
        new DescribeInstanceHealthCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: iid(41) }] }),
      );
      assert.equal(ih.InstanceStates?.[0]?.State, 'Unknown');
      assert.ok((await registered('inst-tg')).includes(`${iid(40)}:80`), 'but registered');
    } finally {
      await setFaults(fake.url, { describeLagMs: 0 });
    }
    assert.ok((await health('inst-tg')).some((t) => t.startsWith(iid(40))));
    const lb = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['web'] }));
    assert.ok(lb.LoadBalancerDescriptions?.[0]?.Instances?.some((i) => i.InstanceId === iid(41)));
  });
});
