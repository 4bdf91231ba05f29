import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeInstanceHealthCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  CreateTargetGroupCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type Change,
} from '@aws-sdk/client-route-53';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { fakeCalls, fakeState, setFaults, startTestFakeAws } from '../helpers/fake-aws.js';
import { waitFor } from '../helpers/wait.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };
const I1 = 'i-0000000000000000a';
const I2 = 'i-0000000000000000b';

async function rejectsWith(p: Promise<unknown>, name: string, code?: string): Promise<Error & { Code?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { Code?: string };
    assert.equal(err.name, name, `error class: ${err.name} (${err.message})`);
    if (code) assert.equal(err.Code, code);
    return err;
  }
  assert.fail(`expected ${name}`);
}

describe('fake-aws through the real AWS SDK for JavaScript', () => {
  let fake: FakeAwsServer;
  let elb: ElasticLoadBalancingClient;
  let elbEu: ElasticLoadBalancingClient;
  let elbv2: ElasticLoadBalancingV2Client;
  let r53: Route53Client;
  before(async () => {
    fake = await startTestFakeAws();
    const common = { endpoint: fake.url, credentials, maxAttempts: 1 };
    elb = new ElasticLoadBalancingClient({ region: 'us-east-1', ...common, customUserAgent: 'sdk-test' });
    elbEu = new ElasticLoadBalancingClient({ region: 'eu-west-1', ...common });
    elbv2 = new ElasticLoadBalancingV2Client({ region: 'us-east-1', ...common });
    r53 = new Route53Client({ region: 'us-east-1', ...common });
  });
  after(async () => {
    for (const c of [elb, elbEu, elbv2, r53]) c.destroy();
    await fake.close();
  });

  test('Classic ELB: create, describe, register, deregister, health, delete; per-region state', async () => {
    // Ten minutes in registration: OutOfService is seen without racing the clock.
    await setFaults(fake.url, { healthyAfterMs: 600_000 });
    const created = await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: 'web',
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 8080 }],
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    assert.match(created.DNSName ?? '', /^web-/);
    const reg = await elb.send(
      new RegisterInstancesWithLoadBalancerCommand({
        LoadBalancerName: 'web',
        Instances: [{ InstanceId: I1 }, { InstanceId: I2 }],
      }),
    );
    assert.deepEqual(
      reg.Instances?.map((i) => i.InstanceId),
      [I1, I2],
    );
    const again = await elb.send(
      new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: I1 }] }),
    );
    assert.equal(again.Instances?.length, 2, 'registering a member again changes nothing');
    const desc = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['web'] }));
    assert.deepEqual(
      desc.LoadBalancerDescriptions?.[0]?.Instances?.map((i) => i.InstanceId),
      [I1, I2],
    );
    assert.ok(desc.LoadBalancerDescriptions?.[0]?.CreatedTime instanceof Date);
    const dereg = await elb.send(
      new DeregisterInstancesFromLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: I1 }] }),
    );
    assert.deepEqual(
      dereg.Instances?.map((i) => i.InstanceId),
      [I2],
    );
    // Registered instances are OutOfService while registration is in progress, then InService.
    await setFaults(fake.url, { healthyAfterMs: 0 });
    await elb.send(
      new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: I1 }] }),
    );
    await setFaults(fake.url, { healthyAfterMs: 100 });
    const health = await elb.send(new DescribeInstanceHealthCommand({ LoadBalancerName: 'web' }));
    assert.deepEqual(
      health.InstanceStates?.map((s) => `${s.InstanceId} ${s.State} ${s.ReasonCode} ${s.Description}`),
      [`${I1} InService N/A N/A`, `${I2} OutOfService ELB Instance registration is still in progress.`],
    );
    await rejectsWith(
      elbEu.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['web'] })),
      'AccessPointNotFoundException',
      'LoadBalancerNotFound',
    );
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: 'web' }));
    await rejectsWith(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['web'] })),
      'AccessPointNotFoundException',
    );
  });

  test('Classic ELB: an invalid or terminated instance fails the whole call and changes nothing', async () => {
    await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: 'api',
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await fetch(`${fake.url}/_fake/terminate`, {
      method: 'POST',
      body: JSON.stringify({ region: 'us-east-1', instances: [I2] }),
    });
    const err = await rejectsWith(
      elb.send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: 'api',
          Instances: [{ InstanceId: I1 }, { InstanceId: I2 }],
        }),
      ),
      'InvalidEndPointException',
      'InvalidInstance',
    );
    assert.match(err.message, new RegExp(I2));
    await rejectsWith(
      elb.send(
        new RegisterInstancesWithLoadBalancerCommand({
          LoadBalancerName: 'api',
          Instances: [{ InstanceId: 'i-bogus' }],
        }),
      ),
      'InvalidEndPointException',
    );
    assert.deepEqual((await fakeState(fake.url)).elb['us-east-1']?.['api']?.instances, []);
  });

  test('Classic ELB: DescribeLoadBalancers pages with a marker', async () => {
    for (let i = 0; i < 5; i++) {
      await elbEu.send(
        new CreateLoadBalancerCommand({
          LoadBalancerName: `p${i}`,
          Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
          AvailabilityZones: ['eu-west-1a'],
        }),
      );
    }
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const r = await elbEu.send(
        new DescribeLoadBalancersCommand({ PageSize: 2, ...(marker ? { Marker: marker } : {}) }),
      );
      names.push(...(r.LoadBalancerDescriptions ?? []).map((d) => d.LoadBalancerName ?? ''));
      marker = r.NextMarker;
      pages++;
    } while (marker);
    assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
    assert.equal(pages, 3);
  });

  test('ELBv2: create, describe, register with ports, health, deregister, errors', async () => {
    // Ten minutes to healthy and to drain: the states are seen without racing the clock.
    await setFaults(fake.url, { healthyAfterMs: 600_000, deregistrationDelayMs: 600_000 });
    const tg = (
      await elbv2.send(
        new CreateTargetGroupCommand({
          Name: 'tg-web',
          Protocol: 'HTTP',
          Port: 8080,
          VpcId: 'vpc-1',
          TargetType: 'instance',
        }),
      )
    ).TargetGroups?.[0];
    assert.match(tg?.TargetGroupArn ?? '', /^arn:aws:elasticloadbalancing:us-east-1:\d+:targetgroup\/tg-web\//);
    const arn = tg?.TargetGroupArn ?? '';
    const byName = await elbv2.send(new DescribeTargetGroupsCommand({ Names: ['tg-web'] }));
    assert.equal(byName.TargetGroups?.[0]?.Port, 8080);
    await elbv2.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: I1 }, { Id: I1, Port: 9090 }] }),
    );
    const states = async (): Promise<string[][]> =>
      ((await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? [])
        .map((d) => [
          d.Target?.Id ?? '',
          String(d.Target?.Port),
          d.TargetHealth?.State ?? '',
          d.TargetHealth?.Reason ?? '',
        ])
        .sort();
    assert.deepEqual(await states(), [
      [I1, '8080', 'initial', 'Elb.RegistrationInProgress'],
      [I1, '9090', 'initial', 'Elb.RegistrationInProgress'],
    ]);
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: I1, Port: 9090 }] }));
    assert.deepEqual(await states(), [
      [I1, '8080', 'initial', 'Elb.RegistrationInProgress'],
      [I1, '9090', 'draining', 'Target.DeregistrationInProgress'],
    ]);
    // No delays: healthy at once, and gone at once when deregistered.
    await setFaults(fake.url, { healthyAfterMs: 0, deregistrationDelayMs: 0 });
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: I1, Port: 7070 }] }));
    assert.deepEqual((await states())[0], [I1, '7070', 'healthy', '']);
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: I1, Port: 7070 }] }));
    assert.equal((await states()).length, 2);
    await setFaults(fake.url, { healthyAfterMs: 100, deregistrationDelayMs: 300 });
    const err = await rejectsWith(
      elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: 'i-bad1' }, { Id: I2 }] })),
      'InvalidTargetException',
      'InvalidTarget',
    );
    assert.match(err.message, /'i-bad1', 'i-0000000000000000b'/);
    await rejectsWith(
      elbv2.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })),
      'TargetGroupNotFoundException',
      'TargetGroupNotFound',
    );
    await elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
    await rejectsWith(
      elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })),
      'TargetGroupNotFoundException',
    );
  });

  test('Route53: zones, UPSERT, exact DELETE, all-or-nothing batches, PENDING then INSYNC, escaped names', async () => {
    const created = await r53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'sdk-1' }));
    const zoneId = created.HostedZone?.Id ?? '';
    assert.match(zoneId, /^\/hostedzone\/Z/);
    assert.equal((await r53.send(new GetHostedZoneCommand({ Id: zoneId }))).HostedZone?.Name, 'example.com.');
    assert.ok((await r53.send(new ListHostedZonesCommand({}))).HostedZones?.some((z) => z.Id === zoneId));
    const set = (name: string, type: 'A' | 'AAAA', values: string[], ttl = 60) => ({
      Name: name,
      Type: type,
      TTL: ttl,
      ResourceRecords: values.map((Value) => ({ Value })),
    });
    const change = (changes: Change[]) =>
      r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
    const res = await change([
      { Action: 'UPSERT', ResourceRecordSet: set('www.example.com', 'A', ['192.0.2.1', '192.0.2.2']) },
      { Action: 'UPSERT', ResourceRecordSet: set('*.example.com', 'AAAA', ['2001:db8::1']) },
    ]);
    assert.equal(res.ChangeInfo?.Status, 'PENDING');
    const changeId = res.ChangeInfo?.Id ?? '';
    assert.equal((await r53.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status, 'PENDING');
    assert.equal((await r53.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status, 'INSYNC');
    const listed = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    const names = listed.ResourceRecordSets?.map((s) => `${s.Name} ${s.Type}`);
    assert.ok(names?.includes('\\052.example.com. AAAA'), `wildcard escaped: ${names?.join(', ')}`);
    assert.ok(names?.includes('www.example.com. A'));
    // A batch with one bad change applies nothing, and reports every failure at once.
    const err = await rejectsWith(
      change([
        { Action: 'UPSERT', ResourceRecordSet: set('ok.example.com', 'A', ['192.0.2.9']) },
        { Action: 'DELETE', ResourceRecordSet: set('www.example.com', 'A', ['192.0.2.1']) },
        { Action: 'CREATE', ResourceRecordSet: set('www.example.com', 'A', ['192.0.2.3']) },
      ]),
      'InvalidChangeBatch',
    );
    assert.match(err.message, /values provided do not match the current values/);
    assert.match(err.message, /but it already exists/);
    const after1 = await r53.send(
      new ListResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        StartRecordName: 'ok.example.com',
        StartRecordType: 'A',
        MaxItems: 1,
      }),
    );
    assert.notEqual(after1.ResourceRecordSets?.[0]?.Name, 'ok.example.com.', 'nothing of the failed batch was applied');
    await change([{ Action: 'DELETE', ResourceRecordSet: set('www.example.com', 'A', ['192.0.2.2', '192.0.2.1']) }]);
    await rejectsWith(
      change([{ Action: 'DELETE', ResourceRecordSet: { Name: 'x.example.com', Type: 'A' } }]),
      'InvalidInput',
    );
    await rejectsWith(
      change([{ Action: 'UPSERT', ResourceRecordSet: set('bad.example.com', 'A', ['not-an-ip']) }]),
      'InvalidChangeBatch',
    );
    await rejectsWith(r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZNOPE' })), 'NoSuchHostedZone');
    await rejectsWith(
      r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordType: 'A' })),
      'InvalidInput',
    );
  });

  test('Route53: a zone of more than 300 records pages, sorted by reversed labels then type', async () => {
    const zoneId =
      (await r53.send(new CreateHostedZoneCommand({ Name: 'big.test', CallerReference: 'sdk-2' }))).HostedZone?.Id ??
      '';
    const changes: Change[] = Array.from({ length: 350 }, (_, i) => ({
      Action: 'UPSERT',
      ResourceRecordSet: {
        Name: `h${String(i).padStart(3, '0')}.big.test`,
        Type: 'A',
        TTL: 60,
        ResourceRecords: [{ Value: `10.0.${i >> 8}.${i & 255}` }],
      },
    }));
    await r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
    const seen: string[] = [];
    let start: { StartRecordName?: string; StartRecordType?: 'A' } = {};
    let pages = 0;
    for (;;) {
      const r = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
      pages++;
      seen.push(...(r.ResourceRecordSets ?? []).map((s) => `${s.Name} ${s.Type}`));
      if (!r.IsTruncated) break;
      start = { StartRecordName: r.NextRecordName ?? '', StartRecordType: r.NextRecordType as 'A' };
    }
    assert.equal(pages, 2);
    assert.equal(seen.length, 352, '350 A sets plus NS and SOA');
    assert.equal(new Set(seen).size, 352, 'no set twice across pages');
    assert.deepEqual(seen.slice(0, 2), ['big.test. NS', 'big.test. SOA']);
  });

  test('Throttling and PriorRequestNotComplete are retried by the SDK; 500s too', async () => {
    const retrying = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 10 });
    const zoneId =
      (await retrying.send(new CreateHostedZoneCommand({ Name: 'retry.test', CallerReference: 'sdk-3' }))).HostedZone
        ?.Id ?? '';
    const before = (await fakeCalls(fake.url)).total;
    await setFaults(fake.url, { priorRequestMs: 300 });
    const upsert = (ip: string) =>
      retrying.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: 'UPSERT',
                ResourceRecordSet: { Name: 'a.retry.test', Type: 'A', TTL: 60, ResourceRecords: [{ Value: ip }] },
              },
            ],
          },
        }),
      );
    await upsert('192.0.2.1');
    await upsert('192.0.2.2');
    await setFaults(fake.url, { priorRequestMs: 0, throttleRate: 0.5 });
    for (let i = 0; i < 6; i++) await retrying.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    await setFaults(fake.url, { throttleRate: 0, errorRate: 0.5 });
    for (let i = 0; i < 6; i++) await retrying.send(new GetHostedZoneCommand({ Id: zoneId }));
    await setFaults(fake.url, { errorRate: 0 });
    retrying.destroy();
    const outcomes = (await fakeCalls(fake.url, before)).calls.map((c) => c.outcome);
    assert.ok(outcomes.includes('PriorRequestNotComplete'), 'PriorRequestNotComplete was answered and retried');
    assert.ok(outcomes.includes('Throttling'), 'Throttling was answered and retried');
    assert.ok(outcomes.includes('InternalFailure'), '500s were answered and retried');
  });

  test('random faults are replayed by their seed; a rule delays only the calls it names', async () => {
    const outcomes = async (seed: number): Promise<string[]> => {
      const f = await startTestFakeAws({ seed, throttleRate: 0.5 });
      const c = new ElasticLoadBalancingClient({ region: 'us-east-1', endpoint: f.url, credentials, maxAttempts: 1 });
      const out: string[] = [];
      for (let i = 0; i < 12; i++) {
        out.push(
          await c.send(new DescribeLoadBalancersCommand({})).then(
            () => 'ok',
            (e: { name?: string }) => e.name ?? 'error',
          ),
        );
      }
      c.destroy();
      await f.close();
      return out;
    };
    const first = await outcomes(7);
    assert.deepEqual(await outcomes(7), first, 'the same seed, the same faults');
    assert.ok(first.includes('ok') && first.includes('Throttling'), first.join(' '));

    await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: 'ruled',
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 8080 }],
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await setFaults(fake.url, {
      rules: [{ operation: 'RegisterInstancesWithLoadBalancer', target: 'ruled', latencyMs: 400, count: 1 }],
    });
    const register = elb.send(
      new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'ruled', Instances: [{ InstanceId: I1 }] }),
    );
    await waitFor('the delayed register is in flight', async () =>
      (await fakeCalls(fake.url)).inFlight.some((c) => c.operation === 'RegisterInstancesWithLoadBalancer'),
    );
    // Meanwhile other calls are answered at once, and see the state from before the register.
    const during = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['ruled'] }));
    assert.ok(!during.LoadBalancerDescriptions?.[0]?.Instances?.some((i) => i.InstanceId === I1));
    await register;
    const after = await elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['ruled'] }));
    assert.ok(after.LoadBalancerDescriptions?.[0]?.Instances?.some((i) => i.InstanceId === I1));
    assert.deepEqual((await fakeCalls(fake.url)).inFlight, []);
    await setFaults(fake.url, { rules: [] });
    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerName: 'ruled' }));
  });

  test('the call log records operation, target, outcome and User-Agent', async () => {
    await rejectsWith(
      elb.send(new DescribeLoadBalancersCommand({ LoadBalancerNames: ['ghost'] })),
      'AccessPointNotFoundException',
    );
    const { calls, counts } = await fakeCalls(fake.url);
    const last = calls.at(-1);
    assert.equal(last?.operation, 'DescribeLoadBalancers');
    assert.equal(last?.target, 'ghost');
    assert.equal(last?.outcome, 'LoadBalancerNotFound');
    assert.match(last?.userAgent ?? '', /sdk-test/);
    assert.ok((counts.DescribeLoadBalancers ?? 0) > 0);
  });

  test('--state loads a file and --save writes it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbm-fake-'));
    const file = join(dir, 'state.json');
    writeFileSync(
      file,
      JSON.stringify({
        elb: { 'us-east-1': { web: { instances: [I1] } } },
        route53: { zones: { ZSTATE1: { name: 'st.test', recordSets: [] } } },
      }),
    );
    const f2 = await startTestFakeAws({ statePath: file, save: true });
    const c = new ElasticLoadBalancingClient({ region: 'us-east-1', endpoint: f2.url, credentials });
    await c.send(
      new RegisterInstancesWithLoadBalancerCommand({ LoadBalancerName: 'web', Instances: [{ InstanceId: I2 }] }),
    );
    c.destroy();
    await f2.close();
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      elb: Record<string, Record<string, { instances: string[] }>>;
      route53: { zones: Record<string, unknown> };
    };
    assert.deepEqual(saved.elb['us-east-1']?.['web']?.instances, [I1, I2]);
    assert.ok(saved.route53.zones.ZSTATE1);
    writeFileSync(file, '{"elb": {"us-east-1": {"web": {"instances": "nope"}}}}');
    await assert.rejects(startTestFakeAws({ statePath: file }), /not valid: .*instances must be a list/);
  });
});
