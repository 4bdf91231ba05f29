import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { planMembership } from '../../src/plan/membership-plan.js';
import { AwsClients } from '../../src/providers/aws-clients.js';
import { Elbv2Provider } from '../../src/providers/elbv2.js';
import { joinTarget, splitTarget } from '../../src/util/targets.js';
import type { AwsCallError } from '../../src/providers/types.js';
import { TreeIndex } from '../../src/tree/tree-index.js';

const TG = { kind: 'elbv2' as const, region: 'us-east-1', name: 'web-tg' };
const ARN = 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-tg/0123456789abcdef';
const sdkError = (name: string, message: string): Error =>
  Object.assign(new Error(message), { name: `${name}Exception`, Code: name, $metadata: { httpStatusCode: 400 } });

describe('ELBv2 targets: identity', () => {
  test('split and join: instance, IPv4 and IPv6, with and without a port; the default port left out', () => {
    assert.deepEqual(splitTarget('i-0123456789abcdef0'), { id: 'i-0123456789abcdef0', port: undefined });
    assert.deepEqual(splitTarget('i-0123456789abcdef0:8080'), { id: 'i-0123456789abcdef0', port: 8080 });
    assert.deepEqual(splitTarget('10.0.0.5:80'), { id: '10.0.0.5', port: 80 });
    assert.deepEqual(splitTarget('2001:db8::5'), { id: '2001:db8::5', port: undefined });
    assert.deepEqual(splitTarget('[2001:db8::5]:443'), { id: '2001:db8::5', port: 443 });
    assert.equal(joinTarget('i-1', 80, 80), 'i-1');
    assert.equal(joinTarget('i-1', 8080, 80), 'i-1:8080');
    assert.equal(joinTarget('2001:DB8:0::5', 443, 80), '[2001:db8::5]:443');
    assert.equal(joinTarget('2001:db8::5', 80, 80), '2001:db8::5');
  });

  test('desired state and plan: single keeps the newest target; ports make distinct members', () => {
    const index = new TreeIndex('/lbManager');
    const p = '/lbManager/elbv2/us-east-1/web-tg';
    index.replace(
      [
        { key: `${p}/multiple/10.0.0.5:8080`, modRevision: 2n },
        { key: `${p}/multiple/10.0.0.5:8081`, modRevision: 3n },
        { key: `${p}/multiple/[2001:db8::5]:8080`, modRevision: 4n },
      ],
      4n,
    );
    const d = index.desired(TG, 'elbv2/us-east-1/web-tg');
    assert.deepEqual(d.members, ['10.0.0.5:8080', '10.0.0.5:8081', '[2001:db8::5]:8080']);
    index.apply(
      [
        { type: 'put', key: `${p}/single/i-0123456789abcdef0`, modRevision: 5n },
        { type: 'put', key: `${p}/single/i-0123456789abcdef1:9000`, modRevision: 6n },
      ],
      6n,
    );
    const s = index.desired(TG, 'elbv2/us-east-1/web-tg');
    assert.equal(s.activeClass, 'single');
    assert.deepEqual(s.members, ['i-0123456789abcdef1:9000']);
    const plan = planMembership(s.members, ['10.0.0.5:8080', 'i-0123456789abcdef0'], 'sync');
    assert.deepEqual(plan.register, ['i-0123456789abcdef1:9000']);
    assert.deepEqual(plan.deregister, ['10.0.0.5:8080', 'i-0123456789abcdef0']);
  });
});

describe('ELBv2 provider (mocked SDK)', () => {
  const mock = mockClient(ElasticLoadBalancingV2Client);
  afterEach(() => mock.reset());
  after(() => mock.restore());
  const clients = new AwsClients({
    userAgent: 'lbmanager/test unit',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const group = (arn = ARN) => ({
    TargetGroups: [{ TargetGroupName: 'web-tg', TargetGroupArn: arn, Port: 80, TargetType: 'instance' as const }],
  });

  test('resolves the name once, reads targets, leaves out draining ones and the default port', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves(group());
    mock.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: [
        { Target: { Id: 'i-0000000a', Port: 80 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: 'i-0000000b', Port: 8080 }, TargetHealth: { State: 'initial' } },
        { Target: { Id: 'i-0000000c', Port: 80 }, TargetHealth: { State: 'draining' } },
        { Target: { Id: 'i-0000000d', Port: 80 }, TargetHealth: { State: 'unhealthy' } },
        { Target: { Id: 'i-0000000e', Port: 80 }, TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered' } },
      ],
    });
    const p = new Elbv2Provider(clients);
    assert.deepEqual(await p.readMembers(TG), ['i-0000000a', 'i-0000000b:8080', 'i-0000000d']);
    await p.readMembers(TG);
    assert.equal(mock.commandCalls(DescribeTargetGroupsCommand).length, 1, 'the ARN is cached');
    assert.deepEqual(mock.commandCalls(DescribeTargetHealthCommand)[0]?.args[0].input, { TargetGroupArn: ARN });
    assert.deepEqual(p.normalise(TG, ['i-0000000a:80', 'i-0000000b:8080', 'i-0000000f']), [
      'i-0000000a',
      'i-0000000b:8080',
      'i-0000000f',
    ]);
  });

  test('registers and deregisters with explicit ports (the group port when the key names none)', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves(group());
    mock.on(RegisterTargetsCommand).resolves({});
    mock.on(DeregisterTargetsCommand).resolves({});
    const p = new Elbv2Provider(clients);
    await p.register(TG, ['i-0000000a', '10.0.0.5:8080', '[2001:db8::5]:443']);
    await p.deregister(TG, ['i-0000000b']);
    assert.deepEqual(mock.commandCalls(RegisterTargetsCommand)[0]?.args[0].input, {
      TargetGroupArn: ARN,
      Targets: [
        { Id: 'i-0000000a', Port: 80 },
        { Id: '10.0.0.5', Port: 8080 },
        { Id: '2001:db8::5', Port: 443 },
      ],
    });
    assert.deepEqual(mock.commandCalls(DeregisterTargetsCommand)[0]?.args[0].input, {
      TargetGroupArn: ARN,
      Targets: [{ Id: 'i-0000000b', Port: 80 }],
    });
  });

  test('TargetGroupNotFound: not-found, and the name is resolved again on the next attempt', async () => {
    mock.on(DescribeTargetGroupsCommand).resolvesOnce(group('arn:old')).resolves(group());
    mock
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'arn:old' })
      .rejects(sdkError('TargetGroupNotFound', 'One or more target groups not found'));
    mock.on(DescribeTargetHealthCommand, { TargetGroupArn: ARN }).resolves({ TargetHealthDescriptions: [] });
    const p = new Elbv2Provider(clients);
    await assert.rejects(p.readMembers(TG), (e: AwsCallError) => e.category === 'not-found');
    assert.deepEqual(await p.readMembers(TG), []);
    assert.equal(mock.commandCalls(DescribeTargetGroupsCommand).length, 2);
  });

  test('InvalidTarget: invalid-member, naming every offender', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves(group());
    mock
      .on(RegisterTargetsCommand)
      .rejects(
        sdkError(
          'InvalidTarget',
          "The following targets are not in a running state and cannot be registered: 'i-0000000a', 'i-0000000b'",
        ),
      );
    const p = new Elbv2Provider(clients);
    await assert.rejects(
      p.register(TG, ['i-0000000a', 'i-0000000b', 'i-0000000c']),
      (e: AwsCallError) =>
        e.category === 'invalid-member' && e.offenders.join() === 'i-0000000a,i-0000000b' && e.code === 'InvalidTarget',
    );
  });

  test('an IP outside the VPC is learnt from AWS and sent with AvailabilityZone=all; a public IP is an offender', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupName: 'web-tg', TargetGroupArn: ARN, Port: 80, TargetType: 'ip' as const }],
    });
    // As AWS answers: a private IP outside the VPC needs the zone; a publicly routable one is refused outright.
    mock
      .on(RegisterTargetsCommand)
      .callsFake((input: { Targets: Array<{ Id: string; AvailabilityZone?: string }> }) => {
        const outside = input.Targets.find((t) => t.Id === '192.168.7.7' && t.AvailabilityZone !== 'all');
        if (outside) {
          throw sdkError(
            'ValidationError',
            "The Availability Zone is required for IP address '192.168.7.7' because it is not in the VPC",
          );
        }
        if (input.Targets.some((t) => t.Id === '8.8.8.8'))
          throw sdkError('ValidationError', "The IP address '8.8.8.8' is not a valid private IP address");
        return {};
      });
    const p = new Elbv2Provider(clients);
    await assert.rejects(
      p.register(TG, ['10.0.1.5', '192.168.7.7', '8.8.8.8']),
      (e: AwsCallError) => e.category === 'invalid-member' && e.offenders.join() === '8.8.8.8',
    );
    const second = mock.commandCalls(RegisterTargetsCommand)[1]?.args[0].input;
    assert.deepEqual(second?.Targets?.[1], { Id: '192.168.7.7', Port: 80, AvailabilityZone: 'all' });
    assert.deepEqual(second?.Targets?.[0], { Id: '10.0.1.5', Port: 80 }, 'an IP in the VPC needs nothing more');
    // Without the offender (as the reconciler retries it), the batch goes through at once, zone and all.
    await p.register(TG, ['10.0.1.5', '192.168.7.7']);
    assert.equal(mock.commandCalls(RegisterTargetsCommand).length, 3);
  });

  test('a ValidationError that names no member of the batch stays an error of the group', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves(group());
    mock.on(RegisterTargetsCommand).rejects(sdkError('ValidationError', 'Something about the group is wrong'));
    await assert.rejects(
      new Elbv2Provider(clients).register(TG, ['i-0000000a']),
      (e: AwsCallError) => e.category === 'other' && e.code === 'ValidationError',
    );
  });

  test('a describe that does not show a register yet still counts it, for a short while', async () => {
    let now = 0;
    mock.on(DescribeTargetGroupsCommand).resolves(group());
    mock.on(RegisterTargetsCommand).resolves({});
    mock.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });
    const p = new Elbv2Provider(clients, { now: () => now });
    await p.register(TG, ['i-0000000a']);
    assert.deepEqual(await p.readMembers(TG), ['i-0000000a'], 'not registered again');
    now = 60_000;
    assert.deepEqual(await p.readMembers(TG), [], 'then the describe is believed');
  });

  test('a lambda target group is refused with a clear error', async () => {
    mock.on(DescribeTargetGroupsCommand).resolves({
      TargetGroups: [{ TargetGroupName: 'web-tg', TargetGroupArn: ARN, TargetType: 'lambda' as const }],
    });
    await assert.rejects(new Elbv2Provider(clients).readMembers(TG), /target type lambda/);
  });
});
