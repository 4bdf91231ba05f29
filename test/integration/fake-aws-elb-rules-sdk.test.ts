import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeInstanceHealthCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
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

async function rejectsWith(p: Promise<unknown>, name: string, message?: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as Error;
    assert.equal(err.name, name, `error class: ${err.name} (${err.message})`);
    if (message !== undefined) assert.equal(err.message, message);
    return;
  }
  assert.fail(`expected ${name}`);
}

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

  test('ip targets: in the VPC accepted; private outside it only with AvailabilityZone=all; public refused', async () => {
    await register('ip-tg', [{ Id: '10.1.0.5' }]);
    await rejectsWith(
      register('ip-tg', [{ Id: '10.1.0.6' }, { Id: '192.168.7.7' }]),
      'ValidationError',
      "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC",
    );
    // 10.0.0.5 is in the default VPC's block, not in this group's VPC (10.1.0.0/16): private, outside.
    await rejectsWith(
      register('ip-tg', [{ Id: '10.0.0.5' }]),
      'ValidationError',
      "The Availability Zone is required for IP address '10.0.0.5' because it is not in the VPC",
    );
    assert.deepEqual(await registered('ip-tg'), ['10.1.0.5:80'], 'a refused call applies nothing');
    await register('ip-tg', [
      { Id: '192.168.7.7', AvailabilityZone: 'all' },
      { Id: '100.64.1.1', AvailabilityZone: 'all' },
      { Id: '172.16.0.9', Port: 8080, AvailabilityZone: 'all' },
    ]);
    await rejectsWith(
      register('ip-tg', [{ Id: '8.8.8.8', AvailabilityZone: 'all' }]),
      'ValidationError',
      "The IP address '8.8.8.8' is not in the VPC and is publicly routable: only addresses of the VPC, RFC 1918 " +
        '(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) and RFC 6598 (100.64.0.0/10) can be registered',
    );
    await rejectsWith(
      register('ip-tg', [{ Id: '10.1.0.7', AvailabilityZone: 'all' }]),
      'ValidationError',
      "The IP address '10.1.0.7' is within the VPC, and cannot have its Availability Zone overridden to 'all' from 'us-east-1a'",
    );
    await rejectsWith(
      register('ip-tg', [{ Id: '2001:db8::5' }]),
      'ValidationError',
      "The IP address '2001:db8::5' is not a valid IPv4 address",
    );
    assert.deepEqual(
      (await health('ip-tg')).map((t) => t.split(' ').slice(0, 2).join(' ')),
      ['10.1.0.5:80 us-east-1a', '100.64.1.1:80 all', '172.16.0.9:8080 all', '192.168.7.7:80 all'],
      'the zone of each target: the detected one in the VPC, `all` outside',
    );
    assert.deepEqual(
      (await fakeState(fake.url)).elbv2['us-east-1']?.['ip-tg']?.targets.find((t) => t.id === '192.168.7.7'),
      { id: '192.168.7.7', port: 80, availabilityZone: 'all' },
      'the state keeps the zone `all`',
    );
    // Deregistering an IP outside the VPC takes the same zone: without it, AWS asks for it.
    await rejectsWith(
      deregister('ip-tg', [{ Id: '192.168.7.7' }]),
      'ValidationError',
      "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC",
    );
    await deregister('ip-tg', [{ Id: '192.168.7.7', AvailabilityZone: 'all' }, { Id: '8.8.4.4' }]);
    assert.ok((await health('ip-tg')).includes('192.168.7.7:80 all draining'));
  });

  test('IPv6 target groups take IPv6 addresses only: in the VPC, or unique local with AvailabilityZone=all', async () => {
    await register('ip6-tg', [{ Id: '2001:db8:6::5' }, { Id: 'fd00::5', AvailabilityZone: 'all' }]);
    await rejectsWith(
      register('ip6-tg', [{ Id: '10.6.0.5' }]),
      'ValidationError',
      "The IP address '10.6.0.5' is not a valid IPv6 address",
    );
    await rejectsWith(register('ip6-tg', [{ Id: '2001:db8:7::5', AvailabilityZone: 'all' }]), 'ValidationError');
    assert.deepEqual(await registered('ip6-tg'), ['2001:db8:6::5:80', 'fd00::5:80']);
    const created = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: 'v6-created',
        Protocol: 'TCP',
        Port: 443,
        VpcId: 'vpc-6',
        TargetType: 'ip',
        IpAddressType: 'ipv6',
      }),
    );
    assert.equal(created.TargetGroups?.[0]?.IpAddressType, 'ipv6');
    const described = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['v6-created', 'ip-tg'] }));
    assert.deepEqual(
      described.TargetGroups?.map((g) => g.IpAddressType),
      ['ipv6', 'ipv4'],
    );
  });

  test('instance groups: an id that is no instance id is a ValidationError', async () => {
    await rejectsWith(
      register('inst-tg', [{ Id: '10.0.0.5' }]),
      'ValidationError',
      "Instance ID '10.0.0.5' is not valid",
    );
  });

  test('quotas: targets per group (state or fault) and registrations per target fail the whole call', async () => {
    await register('full-tg', [{ Id: iid(1) }, { Id: iid(2) }]);
    await rejectsWith(
      register('full-tg', [{ Id: iid(3) }]),
      'TooManyTargetsException',
      'You cannot have more than 2 targets per target group.',
    );
    await register('full-tg', [{ Id: iid(2) }]);
    // A deregistered target is draining, and no longer counts: the group has room again.
    await deregister('full-tg', [{ Id: iid(1) }]);
    await register('full-tg', [{ Id: iid(3) }]);
    assert.deepEqual(await registered('full-tg'), [`${iid(2)}:80`, `${iid(3)}:80`]);

    await setFaults(fake.url, { targetsPerGroup: 1, registrationsPerTarget: 2 });
    try {
      await rejectsWith(register('inst-tg', [{ Id: iid(4) }, { Id: iid(5) }]), 'TooManyTargetsException');
      // iid(2) is registered in full-tg already: one more is the limit of two registrations.
      await register('inst-tg', [{ Id: iid(2) }]);
      await rejectsWith(
        register('slow-tg', [{ Id: iid(2) }]),
        'TooManyRegistrationsForTargetIdException',
        `You've reached the limit on the number of times a target can be registered with a load balancer: '${iid(2)}' (2)`,
      );
      assert.deepEqual(await registered('slow-tg'), []);
    } finally {
      await setFaults(fake.url, { targetsPerGroup: 1000, registrationsPerTarget: 100 });
    }
    await deregister('inst-tg', [{ Id: iid(2) }]);
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

  test('a target the state says fails its health checks is unhealthy, and stays registered', async () => {
    await register('sick-tg', [{ Id: iid(50) }, { Id: iid(51) }]);
    await waitFor(
      'checked',
      async () => (await health('sick-tg')).join() === `${iid(50)}:80 - unhealthy,${iid(51)}:80 - healthy`,
    );
    const d = await elbv2.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: ARN('sick-tg'), Targets: [{ Id: iid(50) }] }),
    );
    assert.deepEqual(d.TargetHealthDescriptions?.[0]?.TargetHealth, {
      State: 'unhealthy',
      Reason: 'Target.FailedHealthChecks',
      Description: 'Health checks failed',
    });
    assert.deepEqual(await registered('sick-tg'), [`${iid(50)}:80`, `${iid(51)}:80`]);
  });

  test('known instances: with a list, unknown ids are refused as AWS refuses them, the whole call', async () => {
    const set = (instances: string[] | null) =>
      fetch(`${fake.url}/_fake/instances`, {
        method: 'POST',
        body: JSON.stringify({ region: 'us-east-1', instances }),
      });
    assert.equal((await set([iid(20), iid(21)])).status, 200);
    try {
      await rejectsWith(
        elb.send(
          new RegisterInstancesWithLoadBalancerCommand({
            LoadBalancerName: 'web',
            Instances: [{ InstanceId: iid(20) }, { InstanceId: iid(29) }],
          }),
        ),
        'InvalidEndPointException',
        `Could not find EC2 instance ${iid(29)}.`,
      );
      await rejectsWith(
        register('inst-tg', [{ Id: iid(28) }, { Id: iid(21) }, { Id: iid(29) }]),
        'InvalidTargetException',
        `The following targets are not in a running state and cannot be registered: '${iid(28)}', '${iid(29)}'`,
      );
      assert.deepEqual((await fakeState(fake.url)).instances, { 'us-east-1': [iid(20), iid(21)] });
      await elb.send(
        new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: iid(20) }] }),
      );
    } finally {
      assert.equal((await set(null)).status, 200);
    }
    await register('inst-tg', [{ Id: iid(29) }]);
    assert.equal(
      (await fetch(`${fake.url}/_fake/instances`, { method: 'POST', body: '{"instances": 3}' })).status,
      400,
    );
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
