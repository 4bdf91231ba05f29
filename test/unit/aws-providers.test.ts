import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, describe, test } from 'node:test';
import {
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsClients, resolveLegacyCredentials } from '../../src/providers/aws-clients.js';
import { PARTITIONS } from '../../src/util/regions.js';
import { classifyAwsError } from '../../src/providers/aws-errors.js';
import { elbClient, ElbProvider } from '../../src/providers/elb.js';
import { Route53AwsProvider, route53Client, Route53Zones } from '../../src/providers/route53.js';
import { flush } from '../helpers/fake-clock.js';

const sdkError = (name: string, message: string, status = 400, extra: object = {}): Error =>
  Object.assign(new Error(message), { name, Code: name, $metadata: { httpStatusCode: status }, ...extra });

describe('AWS error classification', () => {
  const cases: Array<[unknown, string, string]> = [
    [sdkError('Throttling', 'Rate exceeded'), 'retryable', 'Throttling'],
    [sdkError('PriorRequestNotComplete', 'busy'), 'retryable', 'PriorRequestNotComplete'],
    [sdkError('InternalFailure', 'boom', 500), 'retryable', 'InternalFailure'],
    [Object.assign(new Error('x'), { name: 'Unknown', $metadata: { httpStatusCode: 503 } }), 'retryable', 'Unknown'],
    [Object.assign(new Error('x'), { name: 'Weird', $metadata: { httpStatusCode: 429 } }), 'retryable', 'Weird'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'retryable', 'ECONNREFUSED'],
    [
      Object.assign(sdkError('AccessPointNotFoundException', "There is no ACTIVE Load Balancer named 'x'"), {
        Code: 'LoadBalancerNotFound',
      }),
      'not-found',
      'LoadBalancerNotFound',
    ],
    [
      sdkError('TargetGroupNotFoundException', 'One or more target groups not found'),
      'not-found',
      'TargetGroupNotFoundException',
    ],
    [sdkError('NoSuchHostedZone', 'No hosted zone', 404), 'not-found', 'NoSuchHostedZone'],
    [
      Object.assign(sdkError('InvalidEndPointException', 'Could not find EC2 instance i-0000000a.'), {
        Code: 'InvalidInstance',
      }),
      'invalid-member',
      'InvalidInstance',
    ],
    [sdkError('InvalidChangeBatch', '[x]'), 'invalid-member', 'InvalidChangeBatch'],
    [sdkError('AccessDenied', 'no', 403), 'other', 'AccessDenied'],
    [sdkError('ValidationError', 'bad'), 'other', 'ValidationError'],
  ];
  for (const [err, category, code] of cases) {
    test(`${code} -> ${category}`, () => {
      const c = classifyAwsError(err);
      assert.equal(c.category, category);
      assert.equal(c.code, code);
    });
  }

  test('offenders are read from the messages that name them', () => {
    const elbv2 = classifyAwsError(
      Object.assign(
        sdkError(
          'InvalidTargetException',
          "The following targets are not in a running state and cannot be registered: 'i-0000000a', 'i-0000000b'",
        ),
        { Code: 'InvalidTarget' },
      ),
    );
    assert.deepEqual(elbv2.offenders, ['i-0000000a', 'i-0000000b']);
    const elb = classifyAwsError(
      Object.assign(sdkError('InvalidEndPointException', 'Could not find EC2 instance i-0000000c.'), {
        Code: 'InvalidInstance',
      }),
    );
    assert.deepEqual(elb.offenders, ['i-0000000c']);
    const r53 = classifyAwsError(
      sdkError(
        'InvalidChangeBatch',
        "[Tried to create resource record set [name='\\052.example.com.', type='A'] but it already exists, Tried to delete resource record set [name='www.example.com.', type='AAAA'] but it was not found]",
      ),
    );
    assert.deepEqual(r53.offenders, ['*.example.com/A', 'www.example.com/AAAA']);
  });
});

describe('Classic ELB provider (mocked SDK)', () => {
  const mock = mockClient(ElasticLoadBalancingClient);
  afterEach(() => mock.reset());
  after(() => mock.restore());
  const clients = new AwsClients({
    userAgent: 'lbmanager/test unit',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const target = { kind: 'elb' as const, region: 'us-east-1', name: 'web' };

  test('reads the registered instances', async () => {
    mock.on(DescribeLoadBalancersCommand, { LoadBalancerNames: ['web'] }).resolves({
      LoadBalancerDescriptions: [
        { LoadBalancerName: 'web', Instances: [{ InstanceId: 'i-0000000b' }, { InstanceId: 'i-0000000a' }] },
      ],
    });
    assert.deepEqual(await new ElbProvider(clients).readMembers(target), ['i-0000000a', 'i-0000000b']);
  });

  test('a missing load balancer is not-found', async () => {
    mock
      .on(DescribeLoadBalancersCommand)
      .rejects(Object.assign(sdkError('AccessPointNotFoundException', 'nope'), { Code: 'LoadBalancerNotFound' }));
    await assert.rejects(
      new ElbProvider(clients).readMembers(target),
      (e: { category?: string }) => e.category === 'not-found',
    );
  });

  test('register sends exactly the instances given, in one call', async () => {
    mock.on(RegisterInstancesWithLoadBalancerCommand).resolves({});
    await new ElbProvider(clients).register(target, ['i-0000000a', 'i-0000000b']);
    const calls = mock.commandCalls(RegisterInstancesWithLoadBalancerCommand);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]?.args[0].input, {
      LoadBalancerName: 'web',
      Instances: [{ InstanceId: 'i-0000000a' }, { InstanceId: 'i-0000000b' }],
    });
  });

  // A full pass reads a region with one paged listing.
  const names = Array.from({ length: 25 }, (_, i) => `lb-${i}`);
  const lb = (name: string) => ({
    LoadBalancerName: name,
    Instances: [{ InstanceId: `i-${name.slice(3).padStart(8, '0')}` }],
  });
  const t = (name: string) => ({ kind: 'elb' as const, region: 'us-east-1', name });

  test('one listing (paged) answers the next read of each name; later reads describe the load balancer', async () => {
    mock
      .on(DescribeLoadBalancersCommand, { PageSize: 400 })
      .resolves({ LoadBalancerDescriptions: names.slice(0, 20).map(lb), NextMarker: 'm1' });
    mock
      .on(DescribeLoadBalancersCommand, { PageSize: 400, Marker: 'm1' })
      .resolves({ LoadBalancerDescriptions: names.slice(20, 24).map(lb) });
    mock.on(DescribeLoadBalancersCommand, { LoadBalancerNames: ['lb-3'] }).resolves({
      LoadBalancerDescriptions: [{ LoadBalancerName: 'lb-3', Instances: [] }],
    });
    const p = new ElbProvider(clients);
    p.prefetch('us-east-1', names);
    assert.deepEqual(await p.readMembers(t('lb-3')), ['i-00000003']);
    assert.deepEqual(await p.readMembers(t('lb-21')), ['i-00000021']);
    await assert.rejects(p.readMembers(t('lb-24')), (e: { code?: string }) => e.code === 'LoadBalancerNotFound');
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand).length, 2, 'two pages, no per-name call yet');
    assert.deepEqual(await p.readMembers(t('lb-3')), [], 'a second read is fresh');
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand).length, 3);
  });

  test('a few load balancers, a stale listing or a failed one: each is described on its own', async () => {
    mock.on(DescribeLoadBalancersCommand, { PageSize: 400 }).rejects(sdkError('Throttling', 'Rate exceeded'));
    mock.on(DescribeLoadBalancersCommand, { LoadBalancerNames: ['lb-1'] }).resolves({
      LoadBalancerDescriptions: [lb('lb-1')],
    });
    const few = new ElbProvider(clients);
    few.prefetch('us-east-1', names.slice(0, 5));
    assert.deepEqual(await few.readMembers(t('lb-1')), ['i-00000001']);
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand, { PageSize: 400 }).length, 0, 'no listing for 5');
    const failed = new ElbProvider(clients);
    failed.prefetch('us-east-1', names);
    assert.deepEqual(await failed.readMembers(t('lb-1')), ['i-00000001'], 'falls back when the listing fails');
    let clock = 0;
    const stale = new ElbProvider(clients, { now: () => clock });
    stale.prefetch('us-east-1', names);
    clock = 60_000;
    assert.deepEqual(await stale.readMembers(t('lb-1')), ['i-00000001'], 'an old listing is not used');
  });
  test('asked again before any read, one listing grows to the new names; a write drops its name', async () => {
    mock.on(DescribeLoadBalancersCommand, { PageSize: 400 }).resolves({ LoadBalancerDescriptions: names.map(lb) });
    mock.on(DescribeLoadBalancersCommand, { LoadBalancerNames: ['lb-22'] }).resolves({
      LoadBalancerDescriptions: [{ LoadBalancerName: 'lb-22', Instances: [{ InstanceId: 'i-000000ff' }] }],
    });
    mock.on(RegisterInstancesWithLoadBalancerCommand).resolves({});
    const p = new ElbProvider(clients);
    // The first read of the tree asks page by page, with the names seen so far.
    p.prefetch('us-east-1', names.slice(0, 20));
    p.prefetch('us-east-1', names);
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand).length, 1, 'one listing for both');
    assert.deepEqual(await p.readMembers(t('lb-24')), ['i-00000024'], 'a name added later is answered');
    await p.register(t('lb-22'), ['i-000000ff']);
    assert.deepEqual(await p.readMembers(t('lb-22')), ['i-000000ff'], 'read after a write: described afresh');
    // Once a read used the listing, a new prefetch lists again.
    p.prefetch('us-east-1', names);
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand, { PageSize: 400 }).length, 2);
  });

  test('a listing started while a write is in flight never answers a read after that write', async () => {
    // The race a resync makes: a region listing starts while a register to lb-3 is on its way, and AWS answers the
    // listing before it applies the register. The next read of lb-3 must not see the listing's empty answer.
    let release!: () => void;
    mock
      .on(RegisterInstancesWithLoadBalancerCommand)
      .callsFake(() => new Promise((resolve) => (release = () => resolve({}))));
    mock
      .on(DescribeLoadBalancersCommand, { PageSize: 400 })
      .resolves({ LoadBalancerDescriptions: names.map((n) => ({ LoadBalancerName: n, Instances: [] })) });
    mock.on(DescribeLoadBalancersCommand, { LoadBalancerNames: ['lb-3'] }).resolves({
      LoadBalancerDescriptions: [{ LoadBalancerName: 'lb-3', Instances: [{ InstanceId: 'i-000000aa' }] }],
    });
    const p = new ElbProvider(clients);
    const writing = p.register(t('lb-3'), ['i-000000aa']);
    p.prefetch('us-east-1', names);
    await new Promise((r) => setImmediate(r));
    release();
    await writing;
    assert.deepEqual(await p.readMembers(t('lb-3')), ['i-000000aa'], 'described afresh, not from the listing');
    assert.deepEqual(await p.readMembers(t('lb-4')), [], 'other load balancers are answered by the listing');
    assert.equal(mock.commandCalls(DescribeLoadBalancersCommand, { LoadBalancerNames: ['lb-4'] }).length, 0);
  });
});

describe('Route53 provider (mocked SDK)', () => {
  const mock = mockClient(Route53Client);
  afterEach(() => mock.reset());
  after(() => mock.restore());
  const clients = new AwsClients({
    userAgent: 'lbmanager/test unit',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  const provider = new Route53AwsProvider(clients, 'us-east-1');
  const a = (name: string, ip: string, extra: object = {}) => ({
    Name: name,
    Type: 'A' as const,
    TTL: 60,
    ResourceRecords: [{ Value: ip }],
    ...extra,
  });

  test('pages through the whole zone and keeps only plain A/AAAA sets, names decoded', async () => {
    mock
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1' })
      .resolvesOnce({
        ResourceRecordSets: [
          a('\\052.example.com.', '192.0.2.1'),
          { Name: 'example.com.', Type: 'NS', TTL: 60, ResourceRecords: [{ Value: 'ns' }] },
        ],
        IsTruncated: true,
        NextRecordName: 'b.example.com.',
        NextRecordType: 'A',
        MaxItems: 2,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          a('b.example.com.', '192.0.2.2'),
          a('w.example.com.', '192.0.2.3', { SetIdentifier: 'blue', Weight: 1 }),
        ],
        IsTruncated: true,
        NextRecordName: 'z.example.com.',
        NextRecordType: 'AAAA',
        MaxItems: 2,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          { Name: 'z.example.com.', Type: 'AAAA', TTL: 30, ResourceRecords: [{ Value: '2001:db8::1' }] },
        ],
        IsTruncated: false,
        MaxItems: 2,
      });
    const sets = await provider.readRecordSets('Z1', 'all');
    assert.deepEqual(sets.owned, [
      { name: '*.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] },
      { name: 'b.example.com', type: 'A', ttl: 60, values: ['192.0.2.2'] },
      { name: 'z.example.com', type: 'AAAA', ttl: 30, values: ['2001:db8::1'] },
    ]);
    assert.deepEqual(
      sets.foreign,
      [
        {
          name: 'w.example.com',
          type: 'A',
          kind: 'routing-policy',
          setIdentifier: 'blue',
          policy: 'weighted',
          ttl: 60,
        },
      ],
      "a weighted set is seen, as someone else's",
    );
    const calls = mock.commandCalls(ListResourceRecordSetsCommand);
    assert.equal(calls.length, 3);
    assert.equal(calls[2]?.args[0].input.StartRecordName, 'z.example.com.');
    assert.equal(calls[2]?.args[0].input.StartRecordType, 'AAAA');
  });

  test('a few names: read one by one from where Route53 sorts them, exact matches only', async () => {
    mock.on(ListResourceRecordSetsCommand, { StartRecordName: 'a.example.com.' }).resolves({
      ResourceRecordSets: [a('a.example.com.', '192.0.2.1'), a('ab.example.com.', '192.0.2.9')],
      IsTruncated: true,
      NextRecordName: 'ac.example.com.',
      NextRecordType: 'A',
    });
    mock
      .on(ListResourceRecordSetsCommand, { StartRecordName: 'c.example.com.' })
      .resolves({ ResourceRecordSets: [], IsTruncated: false });
    // A wildcard is listed, and sorted, as \052.
    mock
      .on(ListResourceRecordSetsCommand, { StartRecordName: '\\052.example.com.' })
      .resolves({ ResourceRecordSets: [a('\\052.example.com.', '192.0.2.7')], IsTruncated: false });
    const sets = await provider.readRecordSets('Z1', ['a.example.com', 'c.example.com', '*.example.com']);
    assert.deepEqual(
      sets.owned.map((s) => s.name),
      ['a.example.com', '*.example.com'],
    );
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 3);
  });

  test('every set at a name is read, however many share it: weighted A sets do not hide the AAAA', async () => {
    const weighted = (id: string) => a('w.example.com.', '192.0.2.1', { SetIdentifier: id, Weight: 1 });
    mock
      .on(ListResourceRecordSetsCommand, { StartRecordName: 'w.example.com.' })
      .resolvesOnce({
        ResourceRecordSets: Array.from({ length: 20 }, (_, i) => weighted(`s${String(i).padStart(2, '0')}`)),
        IsTruncated: true,
        NextRecordName: 'w.example.com.',
        NextRecordType: 'A',
        NextRecordIdentifier: 's20',
      })
      .resolvesOnce({
        ResourceRecordSets: [
          weighted('s20'),
          { Name: 'w.example.com.', Type: 'AAAA', TTL: 60, ResourceRecords: [{ Value: '2001:db8::7' }] },
          { Name: 'w.example.com.', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"v"' }] },
          a('x.example.com.', '192.0.2.8'),
        ],
        IsTruncated: false,
      });
    const sets = await provider.readRecordSets('Z1', ['w.example.com']);
    assert.deepEqual(sets.owned, [{ name: 'w.example.com', type: 'AAAA', ttl: 60, values: ['2001:db8::7'] }]);
    assert.equal(sets.foreign.length, 21);
    const second = mock.commandCalls(ListResourceRecordSetsCommand)[1]?.args[0].input;
    assert.equal(second?.StartRecordIdentifier, 's20', 'paged within the name');
  });

  test('changes are sent with trailing dots, in one call', async () => {
    mock
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    await provider.changeRecordSets('Z1', [
      { action: 'UPSERT', set: { name: 'www.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } },
      { action: 'DELETE', set: { name: 'www.example.com', type: 'AAAA', ttl: 300, values: ['2001:DB8::1'] } },
    ]);
    const input = mock.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input;
    assert.equal(input?.HostedZoneId, 'Z1');
    assert.deepEqual(
      input?.ChangeBatch?.Changes?.map((c) => [c.Action, c.ResourceRecordSet?.Name, c.ResourceRecordSet?.TTL]),
      [
        ['UPSERT', 'www.example.com.', 60],
        ['DELETE', 'www.example.com.', 300],
      ],
    );
  });

  test("routing-policy sets with lbmanager's prefix are its own; they are written with their policy", async () => {
    mock.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z1' }).resolves({
      ResourceRecordSets: [
        a('w.example.com.', '192.0.2.1', { SetIdentifier: 'lbm:192.0.2.1', Weight: 7 }),
        a('w.example.com.', '192.0.2.2', {
          SetIdentifier: 'lbm:192.0.2.2',
          MultiValueAnswer: true,
          HealthCheckId: 'h',
        }),
        a('w.example.com.', '192.0.2.3', { SetIdentifier: 'lbm:192.0.2.3', Region: 'eu-west-1' }),
        a('w.example.com.', '192.0.2.4', { SetIdentifier: 'green', MultiValueAnswer: true }),
      ],
      IsTruncated: false,
      MaxItems: 300,
    });
    const sets = await provider.readRecordSets('Z1', 'all');
    assert.deepEqual(sets.owned, [
      { name: 'w.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'], setIdentifier: 'lbm:192.0.2.1', weight: 7 },
      {
        name: 'w.example.com',
        type: 'A',
        ttl: 60,
        values: ['192.0.2.2'],
        setIdentifier: 'lbm:192.0.2.2',
        multiValueAnswer: true,
        healthCheckId: 'h',
      },
    ]);
    assert.deepEqual(
      sets.foreign.map((f) => [f.setIdentifier, f.kind, f.policy]),
      [
        ['lbm:192.0.2.3', 'routing-policy', 'other'],
        ['green', 'routing-policy', 'multivalue'],
      ],
      "a latency set is not one lbmanager makes, whatever its identifier; another owner's multivalue set is theirs",
    );
    mock
      .on(ChangeResourceRecordSetsCommand)
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    await provider.changeRecordSets('Z1', [
      { action: 'DELETE', set: { name: 'w.example.com', type: 'A', ttl: 60, values: ['192.0.2.9'] } },
      { action: 'UPSERT', set: sets.owned[0] ?? ({} as never) },
      { action: 'UPSERT', set: sets.owned[1] ?? ({} as never) },
    ]);
    const input = mock.commandCalls(ChangeResourceRecordSetsCommand)[0]?.args[0].input;
    assert.deepEqual(
      input?.ChangeBatch?.Changes?.map((c) => c.ResourceRecordSet),
      [
        { Name: 'w.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.9' }] },
        {
          Name: 'w.example.com.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '192.0.2.1' }],
          SetIdentifier: 'lbm:192.0.2.1',
          Weight: 7,
        },
        {
          Name: 'w.example.com.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: '192.0.2.2' }],
          SetIdentifier: 'lbm:192.0.2.2',
          MultiValueAnswer: true,
          HealthCheckId: 'h',
        },
      ],
    );
  });

  test('a missing zone is not-found', async () => {
    mock.on(ListResourceRecordSetsCommand).rejects(sdkError('NoSuchHostedZone', 'No hosted zone found', 404));
    await assert.rejects(
      provider.readRecordSets('Z9', ['a.example.com']),
      (e: { category?: string }) => e.category === 'not-found',
    );
  });

  test('a prefetched zone listing answers the next read of many names only, and not after a change', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `n${i}.example.com`);
    mock.on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z9' }).resolves({
      ResourceRecordSets: many.map((n, i) => a(`${n}.`, `192.0.2.${i}`)),
      IsTruncated: false,
    });
    mock.on(ChangeResourceRecordSetsCommand).resolves({});
    const p = new Route53AwsProvider(clients, 'us-east-1');
    p.prefetch('Z9', many.slice(0, 3));
    await flush();
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 0, 'a few names are read one by one');
    p.prefetch('Z9', many);
    p.prefetch('Z9', many);
    await flush();
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 1, 'one listing per zone');
    const sets = await p.readRecordSets('Z9', many);
    assert.equal(sets.owned.length, 10);
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 1, 'the read used the listing');
    await p.readRecordSets('Z9', many);
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 2, 'a second read lists again');
    p.prefetch('Z9', many);
    await flush();
    await p.changeRecordSets('Z9', [
      { action: 'UPSERT', set: { name: 'n0.example.com', type: 'A', ttl: 60, values: ['192.0.2.99'] } },
    ]);
    await p.readRecordSets('Z9', many);
    assert.equal(
      mock.commandCalls(ListResourceRecordSetsCommand).length,
      4,
      'after a change the zone is listed afresh',
    );
    let clock = 0;
    const stale = new Route53AwsProvider(clients, 'us-east-1', { now: () => clock });
    stale.prefetch('Z9', many);
    await flush();
    clock = 60_000;
    await stale.readRecordSets('Z9', many);
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 6, 'an old listing is not used');
  });

  test('a zone listing started while a change is in flight never answers a read after that change', async () => {
    const many = Array.from({ length: 10 }, (_, i) => `n${i}.example.com`);
    let release!: () => void;
    mock.on(ChangeResourceRecordSetsCommand).callsFake(() => new Promise((resolve) => (release = () => resolve({}))));
    mock
      .on(ListResourceRecordSetsCommand, { HostedZoneId: 'Z7' })
      .resolvesOnce({ ResourceRecordSets: [], IsTruncated: false })
      .resolves({ ResourceRecordSets: [a('n0.example.com.', '192.0.2.99')], IsTruncated: false });
    const zones = new Route53Zones();
    // Listed through one region's endpoint, changed through another's: Route53 is global.
    const east = new Route53AwsProvider(clients, 'us-east-1', { zones });
    const west = new Route53AwsProvider(clients, 'us-west-2', { zones });
    const changing = west.changeRecordSets('Z7', [
      { action: 'UPSERT', set: { name: 'n0.example.com', type: 'A', ttl: 60, values: ['192.0.2.99'] } },
    ]);
    east.prefetch('Z7', many);
    await new Promise((r) => setImmediate(r));
    release();
    await changing;
    const sets = await east.readRecordSets('Z7', many);
    assert.deepEqual(
      sets.owned.map((x) => x.values),
      [['192.0.2.99']],
      'listed afresh',
    );
    assert.equal(mock.commandCalls(ListResourceRecordSetsCommand).length, 2);
  });
});

describe('AWS clients', () => {
  test("every request carries lbmanager's User-Agent with the identity, and the region in its signature", async () => {
    const seen: Array<{ ua: string; auth: string }> = [];
    const server = createServer((req, res) => {
      seen.push({ ua: String(req.headers['user-agent'] ?? ''), auth: String(req.headers.authorization ?? '') });
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(
        '<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"><DescribeLoadBalancersResult><LoadBalancerDescriptions/></DescribeLoadBalancersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = new AwsClients({
      userAgent: 'lbmanager/9.9.9 host-a:42',
      elbEndpoint: url,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
    });
    try {
      await elbClient(clients, 'eu-west-1').send(new DescribeLoadBalancersCommand({}));
    } finally {
      clients.destroy();
      server.close();
    }
    assert.match(seen[0]?.ua ?? '', /lbmanager\/9\.9\.9/);
    assert.match(seen[0]?.ua ?? '', /host-a:42/);
    assert.match(seen[0]?.auth ?? '', /\/eu-west-1\/elasticloadbalancing\/aws4_request/);
  });

  test("Route53 is signed for its partition's global region, whatever region the key names", async () => {
    const scopes: string[] = [];
    const server = createServer((req, res) => {
      scopes.push(/Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '');
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(
        '<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets/><IsTruncated>false</IsTruncated><MaxItems>300</MaxItems></ListResourceRecordSetsResponse>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const clients = new AwsClients({
      userAgent: 'lbmanager/test',
      route53Endpoint: url,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
    });
    const regions = ['ap-southeast-2', 'us-east-1', 'cn-north-1', 'us-gov-east-1', 'eusc-de-east-1'];
    try {
      for (const region of regions) {
        await route53Client(clients, region).send(new ListResourceRecordSetsCommand({ HostedZoneId: 'Z1' }));
      }
    } finally {
      clients.destroy();
      server.close();
    }
    assert.deepEqual(scopes, ['us-east-1', 'us-east-1', 'cn-northwest-1', 'us-gov-west-1', 'eusc-de-east-1']);
  });

  test("the partition table is the installed SDK's", () => {
    const src = readFileSync(
      join(dirname(fileURLToPath(import.meta.resolve('@aws-sdk/core'))), 'submodules/client/index.js'),
      'utf8',
    );
    const at = src.indexOf('{', src.indexOf('const partitionsInfo = '));
    let depth = 0;
    let end = at;
    for (; end < src.length; end++) {
      if (src[end] === '{') depth++;
      else if (src[end] === '}' && --depth === 0) break;
    }
    const sdk = JSON.parse(src.slice(at, end + 1)) as {
      partitions: Array<{ id: string; regionRegex: string; outputs: { implicitGlobalRegion: string } }>;
    };
    const ours = new Map(PARTITIONS.map((p) => [p.id, p]));
    for (const p of sdk.partitions) {
      assert.equal(ours.get(p.id)?.globalRegion, p.outputs.implicitGlobalRegion, p.id);
      assert.equal(ours.get(p.id)?.regionRegex.source, p.regionRegex.replace(/\\-/g, '-'), p.id);
    }
    assert.equal(ours.size, sdk.partitions.length);
  });

  test("the original tool's AWS_ACCESS_KEY / AWS_SECRET_KEY are honoured only when the SDK's are unset", () => {
    assert.deepEqual(resolveLegacyCredentials({ AWS_ACCESS_KEY: 'old', AWS_SECRET_KEY: 'sec' }), {
      accessKeyId: 'old',
      secretAccessKey: 'sec',
    });
    assert.equal(
      resolveLegacyCredentials({ AWS_ACCESS_KEY: 'old', AWS_SECRET_KEY: 'sec', AWS_ACCESS_KEY_ID: 'new' }),
      undefined,
    );
    assert.equal(resolveLegacyCredentials({ AWS_ACCESS_KEY: 'old' }), undefined);
  });
});
