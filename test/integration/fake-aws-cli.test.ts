import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { runAws } from '../helpers/aws-cli.js';
import { fakeCalls, fakeState, startTestFakeAws } from '../helpers/fake-aws.js';

describe('fake-aws through a second, independent client: the AWS CLI (botocore)', () => {
  let fake: FakeAwsServer;
  const aws = (...args: string[]) => runAws(fake.url, ...args);
  const ok = async (...args: string[]): Promise<unknown> => {
    const r = await aws(...args);
    assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  };

  before(async () => {
    fake = await startTestFakeAws();
  });
  after(async () => {
    await fake.close();
  });

  test('creates a load balancer and registers instances', async () => {
    const created = (await ok(
      'elb',
      'create-load-balancer',
      '--load-balancer-name',
      'cli-web',
      '--listeners',
      'Protocol=HTTP,LoadBalancerPort=80,InstanceProtocol=HTTP,InstancePort=80',
      '--availability-zones',
      'us-east-1a',
    )) as { DNSName: string };
    assert.match(created.DNSName, /^cli-web-/);
    const reg = (await ok(
      'elb',
      'register-instances-with-load-balancer',
      '--load-balancer-name',
      'cli-web',
      '--instances',
      'i-0000000000000000a',
      'i-0000000000000000b',
    )) as { Instances: Array<{ InstanceId: string }> };
    assert.deepEqual(
      reg.Instances.map((i) => i.InstanceId),
      ['i-0000000000000000a', 'i-0000000000000000b'],
    );
    const desc = (await ok('elb', 'describe-load-balancers', '--load-balancer-names', 'cli-web')) as {
      LoadBalancerDescriptions: Array<{ Instances: unknown[] }>;
    };
    assert.equal(desc.LoadBalancerDescriptions[0]?.Instances.length, 2);
    const missing = await aws('elb', 'describe-load-balancers', '--load-balancer-names', 'nope');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /LoadBalancerNotFound/);
  });

  test('target groups: create, register, describe-target-health', async () => {
    const tg = (await ok(
      'elbv2',
      'create-target-group',
      '--name',
      'cli-tg',
      '--protocol',
      'HTTP',
      '--port',
      '8080',
      '--vpc-id',
      'vpc-1',
      '--target-type',
      'ip',
    )) as {
      TargetGroups: Array<{ TargetGroupArn: string }>;
    };
    const arn = tg.TargetGroups[0]?.TargetGroupArn ?? '';
    await ok(
      'elbv2',
      'register-targets',
      '--target-group-arn',
      arn,
      '--targets',
      'Id=10.0.0.5,Port=8080',
      'Id=10.0.0.6',
    );
    const health = (await ok('elbv2', 'describe-target-health', '--target-group-arn', arn)) as {
      TargetHealthDescriptions: Array<{ Target: { Id: string; Port: number } }>;
    };
    assert.deepEqual(health.TargetHealthDescriptions.map((d) => `${d.Target.Id}:${d.Target.Port}`).sort(), [
      '10.0.0.5:8080',
      '10.0.0.6:8080',
    ]);
  });

  test('creates a zone; UPSERT, exact DELETE, a rejected DELETE; lists a zone of more than 300 records', async () => {
    const zone = (await ok('route53', 'create-hosted-zone', '--name', 'cli.test', '--caller-reference', 'cli-1')) as {
      HostedZone: { Id: string };
    };
    const zoneId = zone.HostedZone.Id;
    const batch = (action: string, name: string, values: string[], ttl = 60): string =>
      JSON.stringify({
        Changes: [
          {
            Action: action,
            ResourceRecordSet: { Name: name, Type: 'A', TTL: ttl, ResourceRecords: values.map((Value) => ({ Value })) },
          },
        ],
      });
    await ok(
      'route53',
      'change-resource-record-sets',
      '--hosted-zone-id',
      zoneId,
      '--change-batch',
      batch('UPSERT', 'www.cli.test', ['192.0.2.1', '192.0.2.2']),
    );
    const wrong = await aws(
      'route53',
      'change-resource-record-sets',
      '--hosted-zone-id',
      zoneId,
      '--change-batch',
      batch('DELETE', 'www.cli.test', ['192.0.2.1']),
    );
    assert.notEqual(wrong.code, 0, 'a DELETE with the wrong values is rejected');
    assert.match(wrong.stderr, /InvalidChangeBatch/);
    assert.match(wrong.stderr, /values provided do not match/);
    await ok(
      'route53',
      'change-resource-record-sets',
      '--hosted-zone-id',
      zoneId,
      '--change-batch',
      batch('DELETE', 'www.cli.test', ['192.0.2.2', '192.0.2.1']),
    );
    const changes = Array.from({ length: 320 }, (_, i) => ({
      Action: 'UPSERT',
      ResourceRecordSet: {
        Name: `n${i}.cli.test`,
        Type: 'A',
        TTL: 60,
        ResourceRecords: [{ Value: `10.1.${i >> 8}.${i & 255}` }],
      },
    }));
    await ok(
      'route53',
      'change-resource-record-sets',
      '--hosted-zone-id',
      zoneId,
      '--change-batch',
      JSON.stringify({ Changes: changes }),
    );
    const before = (await fakeCalls(fake.url)).total;
    const listed = (await ok('route53', 'list-resource-record-sets', '--hosted-zone-id', zoneId)) as {
      ResourceRecordSets: Array<{ Name: string; Type: string }>;
    };
    assert.equal(listed.ResourceRecordSets.length, 322, '320 A sets plus NS and SOA, across pages');
    const lists = (await fakeCalls(fake.url, before)).calls.filter((c) => c.operation === 'ListResourceRecordSets');
    assert.ok(lists.length >= 2, `the CLI paginated (${lists.length} calls)`);
    const state = await fakeState(fake.url);
    assert.equal(
      state.route53.zones[zoneId.replace('/hostedzone/', '')]?.recordSets.filter((s) => s.type === 'A').length,
      320,
    );
  });
});
