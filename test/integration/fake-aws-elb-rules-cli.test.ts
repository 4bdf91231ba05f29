import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { runAws } from '../helpers/aws-cli.js';
import { ARN, iid, RULES_STATE } from '../helpers/fake-aws-elb-rules.js';
import { fakeState, setFaults, startTestFakeAws } from '../helpers/fake-aws.js';
import { waitFor } from '../helpers/wait.js';

// The ELB and ELBv2 rules of the fake through a second, independent client: the AWS CLI (botocore).
describe('fake-aws ELB and ELBv2 rules through the AWS CLI (botocore)', () => {
  let fake: FakeAwsServer;
  const aws = (...args: string[]) => runAws(fake.url, ...args);
  const ok = async (...args: string[]): Promise<unknown> => {
    const r = await aws(...args);
    assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  };
  /** Runs a call that must fail; checks botocore's report of the code and, when given, the whole message. */
  const fails = async (code: string, message: string | RegExp, ...args: string[]): Promise<void> => {
    const r = await aws(...args);
    assert.notEqual(r.code, 0, `aws ${args.join(' ')} should have failed`);
    const m = /An error occurred \(([^)]+)\) when calling the \w+ operation: (.*)/.exec(r.stderr);
    assert.equal(m?.[1], code, r.stderr);
    if (typeof message === 'string') assert.equal(m?.[2]?.trim(), message);
    else assert.match(m?.[2] ?? '', message);
  };
  const register = (tg: string, ...targets: string[]) => [
    'elbv2',
    'register-targets',
    '--target-group-arn',
    ARN(tg),
    '--targets',
    ...targets,
  ];
  const deregister = (tg: string, ...targets: string[]) => [
    'elbv2',
    'deregister-targets',
    '--target-group-arn',
    ARN(tg),
    '--targets',
    ...targets,
  ];
  /** `id:port zone state` of every target describe-target-health lists. */
  const health = async (tg: string): Promise<string[]> => {
    const r = (await ok('elbv2', 'describe-target-health', '--target-group-arn', ARN(tg))) as {
      TargetHealthDescriptions: Array<{
        Target: { Id: string; Port: number; AvailabilityZone?: string };
        TargetHealth: { State: string };
      }>;
    };
    return r.TargetHealthDescriptions.map(
      (d) => `${d.Target.Id}:${d.Target.Port} ${d.Target.AvailabilityZone ?? '-'} ${d.TargetHealth.State}`,
    ).sort();
  };

  before(async () => {
    fake = await startTestFakeAws();
    fake.state.load(RULES_STATE);
  });
  after(async () => {
    await fake.close();
  });

  test('ip targets and VPCs: in the VPC, private outside it with AvailabilityZone=all, public refused', async () => {
    await ok(...register('ip-tg', 'Id=10.1.0.5'));
    await fails(
      'ValidationError',
      "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC",
      ...register('ip-tg', 'Id=10.1.0.6', 'Id=192.168.7.7'),
    );
    await ok(...register('ip-tg', 'Id=192.168.7.7,AvailabilityZone=all'));
    await fails(
      'ValidationError',
      /^The IP address '8\.8\.8\.8' is not in the VPC and is publicly routable/,
      ...register('ip-tg', 'Id=8.8.8.8,AvailabilityZone=all'),
    );
    await fails(
      'ValidationError',
      "The IP address '10.1.0.7' is within the VPC, and cannot have its Availability Zone overridden to 'all' from 'us-east-1a'",
      ...register('ip-tg', 'Id=10.1.0.7,AvailabilityZone=all'),
    );
    await fails(
      'ValidationError',
      "The IP address '2001:db8::5' is not a valid IPv4 address",
      ...register('ip-tg', 'Id=2001:db8::5'),
    );
    const zones = async (): Promise<string[]> => (await health('ip-tg')).map((t) => t.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(await zones(), ['10.1.0.5:80 us-east-1a', '192.168.7.7:80 all']);
    await fails(
      'ValidationError',
      "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC",
      ...deregister('ip-tg', 'Id=192.168.7.7'),
    );
    await ok(...deregister('ip-tg', 'Id=192.168.7.7,AvailabilityZone=all'));
    assert.ok(
      (await health('ip-tg')).includes('192.168.7.7:80 all draining'),
      'draining (ip-tg drains for ten minutes)',
    );
    const created = (await ok(
      'elbv2',
      'create-target-group',
      '--name',
      'cli-v6',
      '--protocol',
      'TCP',
      '--port',
      '443',
      '--vpc-id',
      'vpc-6',
      '--target-type',
      'ip',
      '--ip-address-type',
      'ipv6',
    )) as { TargetGroups: Array<{ IpAddressType: string; TargetGroupArn: string }> };
    assert.equal(created.TargetGroups[0]?.IpAddressType, 'ipv6');
    await fails(
      'ValidationError',
      "The IP address '10.6.0.5' is not a valid IPv6 address",
      'elbv2',
      'register-targets',
      '--target-group-arn',
      created.TargetGroups[0]?.TargetGroupArn ?? '',
      '--targets',
      'Id=10.6.0.5',
    );
  });

  test('quotas: TooManyTargets and TooManyRegistrationsForTargetId', async () => {
    await ok(...register('full-tg', `Id=${iid(1)}`, `Id=${iid(2)}`));
    await fails(
      'TooManyTargets',
      'You cannot have more than 2 targets per target group.',
      ...register('full-tg', `Id=${iid(3)}`),
    );
    await setFaults(fake.url, { registrationsPerTarget: 1 });
    try {
      await fails(
        'TooManyRegistrationsForTargetId',
        `You've reached the limit on the number of times a target can be registered with a load balancer: '${iid(1)}' (1)`,
        ...register('inst-tg', `Id=${iid(1)}`),
      );
    } finally {
      await setFaults(fake.url, { registrationsPerTarget: 100 });
    }
  });

  test('lifecycle: initial, draining, registered again while draining; Classic ELB OutOfService then InService', async () => {
    await ok(...register('life-tg', `Id=${iid(10)}`));
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - initial`]);
    await ok(...deregister('life-tg', `Id=${iid(10)}`));
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - draining`]);
    await ok(...register('life-tg', `Id=${iid(10)}`));
    assert.deepEqual(await health('life-tg'), [`${iid(10)}:80 - initial`]);
    await setFaults(fake.url, { healthyAfterMs: 600_000 });
    await ok('elb', 'register-instances-with-load-balancer', '--load-balancer-name', 'web', '--instances', iid(11));
    await setFaults(fake.url, { healthyAfterMs: 0 });
    await ok('elb', 'register-instances-with-load-balancer', '--load-balancer-name', 'web', '--instances', iid(12));
    await setFaults(fake.url, { healthyAfterMs: 100 });
    const states = (await ok('elb', 'describe-instance-health', '--load-balancer-name', 'web')) as {
      InstanceStates: Array<{ InstanceId: string; State: string; Description: string }>;
    };
    assert.deepEqual(
      states.InstanceStates.map((s) => `${s.InstanceId} ${s.State} ${s.Description}`),
      [`${iid(11)} OutOfService Instance registration is still in progress.`, `${iid(12)} InService N/A`],
    );
  });

  test('a target the state says fails its health checks is unhealthy (Target.FailedHealthChecks)', async () => {
    await ok(...register('sick-tg', `Id=${iid(50)}`));
    const reason = async (): Promise<string> => {
      const r = (await ok('elbv2', 'describe-target-health', '--target-group-arn', ARN('sick-tg'))) as {
        TargetHealthDescriptions: Array<{ TargetHealth: { State: string; Reason?: string; Description?: string } }>;
      };
      const h = r.TargetHealthDescriptions[0]?.TargetHealth;
      return `${h?.State} ${h?.Reason ?? '-'} ${h?.Description ?? '-'}`;
    };
    await waitFor(
      'checked',
      async () => (await reason()) !== 'initial Elb.RegistrationInProgress Target registration is in progress',
    );
    assert.equal(await reason(), 'unhealthy Target.FailedHealthChecks Health checks failed');
  });

  test('known instances: Classic ELB InvalidInstance, ELBv2 InvalidTarget naming every unknown id', async () => {
    const set = (instances: string[] | null) =>
      fetch(`${fake.url}/_fake/instances`, {
        method: 'POST',
        body: JSON.stringify({ region: 'us-east-1', instances }),
      });
    await set([iid(20)]);
    try {
      await fails(
        'InvalidInstance',
        `Could not find EC2 instance ${iid(29)}.`,
        'elb',
        'register-instances-with-load-balancer',
        '--load-balancer-name',
        'web',
        '--instances',
        iid(20),
        iid(29),
      );
      await fails(
        'InvalidTarget',
        `The following targets are not in a running state and cannot be registered: '${iid(28)}', '${iid(29)}'`,
        ...register('inst-tg', `Id=${iid(28)}`, `Id=${iid(20)}`, `Id=${iid(29)}`),
      );
    } finally {
      await set(null);
    }
  });

  test('describeLagMs: the describes lag, the writes do not', async () => {
    await setFaults(fake.url, { describeLagMs: 600_000 });
    try {
      await ok(...register('inst-tg', `Id=${iid(40)}`));
      await ok('elb', 'register-instances-with-load-balancer', '--load-balancer-name', 'web', '--instances', iid(41));
      assert.ok(!(await health('inst-tg')).some((t) => t.startsWith(iid(40))));
      const lbs = (await ok('elb', 'describe-load-balancers', '--load-balancer-names', 'web')) as {
        LoadBalancerDescriptions: Array<{ Instances: Array<{ InstanceId: string }> }>;
      };
      assert.ok(!lbs.LoadBalancerDescriptions[0]?.Instances.some((i) => i.InstanceId === iid(41)));
      const st = await fakeState(fake.url);
      assert.ok(st.elbv2['us-east-1']?.['inst-tg']?.targets.some((t) => t.id === iid(40)));
      assert.ok(st.elb['us-east-1']?.['web']?.instances.includes(iid(41)));
    } finally {
      await setFaults(fake.url, { describeLagMs: 0 });
    }
    assert.ok((await health('inst-tg')).some((t) => t.startsWith(iid(40))));
  });
});
