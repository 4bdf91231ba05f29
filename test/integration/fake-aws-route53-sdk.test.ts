// Route53 as AWS behaves where lbmanager must cope with it (alias and routing-policy sets, CNAME conflicts, escaped
// and sorted names), through the real AWS SDK for JavaScript. Throttling: fake-aws-route53-throttle.test.ts; the state
// file: fake-aws-route53-state.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  TestDNSAnswerCommand,
  type Change,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { fakeState, startTestFakeAws } from '../helpers/fake-aws.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };
const ELB_ZONE = 'Z35SXDOTRQ7X7K';

/** The error a call failed with (the test fails when it succeeds). */
async function failure(
  p: Promise<unknown>,
): Promise<Error & { Code?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { Code?: string };
  }
  assert.fail('expected the call to fail');
}

describe('fake-aws Route53 through the real AWS SDK for JavaScript: sets as AWS keeps them', () => {
  let fake: FakeAwsServer;
  let r53: Route53Client;
  const zone = (id: string, name: string) => ({ [id]: { name, recordSets: [] } });
  const change = (zoneId: string, changes: Change[]) =>
    r53.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: changes } }));
  const list = async (zoneId: string, input: Omit<ListResourceRecordSetsCommandInput, 'HostedZoneId'> = {}) =>
    r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...input }));
  const plain = (
    Name: string,
    Type: 'A' | 'AAAA' | 'CNAME' | 'TXT',
    values: string[],
    extra = {},
  ): ResourceRecordSet => ({
    Name,
    Type,
    TTL: 60,
    ResourceRecords: values.map((Value) => ({ Value })),
    ...extra,
  });

  before(async () => {
    fake = await startTestFakeAws();
    fake.state.load({
      route53: {
        zones: {
          ...zone('ZALIAS', 'alias.test'),
          ...zone('ZPOLICY', 'policy.test'),
          ...zone('ZCNAME', 'cname.test'),
          ...zone('ZORDER', 'order.test'),
        },
      },
    });
    r53 = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  });
  after(async () => {
    r53.destroy();
    await fake.close();
  });

  test('an alias set: created, listed with its AliasTarget and no TTL or records, deleted only on an exact match', async () => {
    const alias = (DNSName: string, EvaluateTargetHealth = false): ResourceRecordSet => ({
      Name: 'alias.test',
      Type: 'A',
      AliasTarget: { HostedZoneId: ELB_ZONE, DNSName, EvaluateTargetHealth },
    });
    await change('ZALIAS', [{ Action: 'CREATE', ResourceRecordSet: alias('My-LB-1.us-east-1.elb.amazonaws.com') }]);
    const listed = (await list('ZALIAS', { StartRecordName: 'alias.test', StartRecordType: 'A', MaxItems: 1 }))
      .ResourceRecordSets?.[0];
    assert.deepEqual(listed, {
      Name: 'alias.test.',
      Type: 'A',
      AliasTarget: {
        HostedZoneId: ELB_ZONE,
        DNSName: 'my-lb-1.us-east-1.elb.amazonaws.com.',
        EvaluateTargetHealth: false,
      },
    });
    // AWS: an alias has no TTL or records of its own; both at once is InvalidInput.
    const both = await failure(
      change('ZALIAS', [
        { Action: 'CREATE', ResourceRecordSet: { ...alias('x.example.com'), Name: 'both.alias.test', TTL: 60 } },
      ]),
    );
    assert.equal(both.name, 'InvalidInput');
    assert.equal(
      both.message,
      'Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=both.alias.test, Type=A, SetIdentifier=null]',
    );
    const wrongTarget = await failure(
      change('ZALIAS', [{ Action: 'DELETE', ResourceRecordSet: alias('my-lb-2.us-east-1.elb.amazonaws.com') }]),
    );
    assert.equal(wrongTarget.name, 'InvalidChangeBatch');
    assert.equal(
      wrongTarget.message,
      "[Tried to delete resource record set [name='alias.test.', type='A'] but the values provided do not match the current values]",
    );
    const wrongHealth = await failure(
      change('ZALIAS', [{ Action: 'DELETE', ResourceRecordSet: alias('my-lb-1.us-east-1.elb.amazonaws.com.', true) }]),
    );
    assert.match(wrongHealth.message, /do not match the current values/);
    await change('ZALIAS', [{ Action: 'DELETE', ResourceRecordSet: alias('my-lb-1.us-east-1.elb.amazonaws.com.') }]);
    assert.deepEqual(
      (await list('ZALIAS')).ResourceRecordSets?.map((s) => s.Type),
      ['NS', 'SOA'],
    );
  });

  test('UPSERT of a plain set replaces an alias set of the same name and type (why lbmanager must not send it)', async () => {
    await change('ZALIAS', [
      {
        Action: 'CREATE',
        ResourceRecordSet: {
          Name: 'www.alias.test',
          Type: 'A',
          AliasTarget: { HostedZoneId: ELB_ZONE, DNSName: 'lb.example.com', EvaluateTargetHealth: true },
        },
      },
    ]);
    await change('ZALIAS', [{ Action: 'UPSERT', ResourceRecordSet: plain('www.alias.test', 'A', ['192.0.2.1']) }]);
    const sets = (await list('ZALIAS', { StartRecordName: 'www.alias.test' })).ResourceRecordSets;
    assert.deepEqual(sets, [plain('www.alias.test.', 'A', ['192.0.2.1'])], 'the alias is gone');
  });

  test('routing-policy sets: stored, listed with their fields, paged within a name and type by SetIdentifier', async () => {
    const weighted = (id: string, weight: number, ip: string) =>
      plain('www.policy.test', 'A', [ip], { SetIdentifier: id, Weight: weight });
    await change('ZPOLICY', [
      { Action: 'CREATE', ResourceRecordSet: weighted('b', 20, '192.0.2.2') },
      { Action: 'CREATE', ResourceRecordSet: { ...weighted('a', 0, '192.0.2.1'), HealthCheckId: 'hc-1' } },
      { Action: 'CREATE', ResourceRecordSet: plain('www.policy.test', 'AAAA', ['2001:db8::1']) },
      {
        Action: 'CREATE',
        ResourceRecordSet: plain('geo.policy.test', 'A', ['192.0.2.9'], {
          SetIdentifier: 'eu',
          GeoLocation: { ContinentCode: 'EU' },
        }),
      },
      {
        Action: 'CREATE',
        ResourceRecordSet: plain('fo.policy.test', 'A', ['192.0.2.8'], { SetIdentifier: 'p', Failover: 'PRIMARY' }),
      },
      {
        Action: 'CREATE',
        ResourceRecordSet: plain('lat.policy.test', 'A', ['192.0.2.7'], { SetIdentifier: 'use1', Region: 'us-east-1' }),
      },
    ]);
    // Reading "the A and AAAA of one name" with MaxItems 2 fills both slots with weighted A sets.
    const first = await list('ZPOLICY', { StartRecordName: 'www.policy.test', StartRecordType: 'A', MaxItems: 2 });
    assert.deepEqual(
      first.ResourceRecordSets?.map((s) => [s.SetIdentifier, s.Weight, s.HealthCheckId]),
      [
        ['a', 0, 'hc-1'],
        ['b', 20, undefined],
      ],
    );
    assert.equal(first.IsTruncated, true);
    assert.equal(first.NextRecordName, 'www.policy.test.');
    assert.equal(first.NextRecordType, 'AAAA');
    assert.equal(first.NextRecordIdentifier, undefined, 'the next set is a simple one');
    const byOne = await list('ZPOLICY', { StartRecordName: 'www.policy.test', StartRecordType: 'A', MaxItems: 1 });
    assert.equal(byOne.NextRecordIdentifier, 'b', 'paging continues within the name and type');
    const next = await list('ZPOLICY', {
      StartRecordName: byOne.NextRecordName ?? '',
      StartRecordType: 'A',
      StartRecordIdentifier: byOne.NextRecordIdentifier ?? '',
      MaxItems: 1,
    });
    assert.deepEqual(next.ResourceRecordSets?.[0], { ...weighted('b', 20, '192.0.2.2'), Name: 'www.policy.test.' });
    const others = (await list('ZPOLICY')).ResourceRecordSets?.filter((s) => s.Name !== 'www.policy.test.');
    assert.deepEqual(
      others?.filter((s) => s.SetIdentifier).map((s) => [s.Name, s.GeoLocation, s.Failover, s.Region]),
      [
        ['fo.policy.test.', undefined, 'PRIMARY', undefined],
        ['geo.policy.test.', { ContinentCode: 'EU' }, undefined, undefined],
        ['lat.policy.test.', undefined, undefined, 'us-east-1'],
      ],
    );
    // DELETE must name every field: a wrong weight does not match.
    const wrong = await failure(
      change('ZPOLICY', [{ Action: 'DELETE', ResourceRecordSet: weighted('b', 21, '192.0.2.2') }]),
    );
    assert.equal(
      wrong.message,
      "[Tried to delete resource record set [name='www.policy.test.', type='A', set-identifier='b'] but the values provided do not match the current values]",
    );
    await change('ZPOLICY', [{ Action: 'DELETE', ResourceRecordSet: weighted('b', 20, '192.0.2.2') }]);
  });

  test('a plain set is refused next to routing-policy sets of its name and type, and the reverse; policies do not mix', async () => {
    const refused = async (set: ResourceRecordSet, message: string) => {
      const err = await failure(change('ZPOLICY', [{ Action: 'UPSERT', ResourceRecordSet: set }]));
      assert.equal(err.name, 'InvalidChangeBatch');
      assert.equal(err.message, `[${message}]`);
    };
    // www.policy.test A holds the weighted set 'a' (previous test); AAAA a plain set.
    await refused(
      plain('www.policy.test', 'A', ['192.0.2.3']),
      'RRSet with DNS name www.policy.test., type A cannot be created as other RRSets exist with the same name and type.',
    );
    await refused(
      plain('www.policy.test', 'AAAA', ['2001:db8::2'], { SetIdentifier: 'w', Weight: 1 }),
      'RRSet with DNS name www.policy.test., type AAAA, SetIdentifier w cannot be created as a non-weighted set exists with the same name and type.',
    );
    await refused(
      plain('www.policy.test', 'A', ['192.0.2.4'], { SetIdentifier: 'l', Region: 'eu-west-1' }),
      'RRSet with DNS name www.policy.test., type A, SetIdentifier l cannot be created as a non-weighted set exists with the same name and type.',
    );
    await refused(
      plain('lat.policy.test', 'A', ['192.0.2.5'], { SetIdentifier: 'use1-b', Region: 'us-east-1' }),
      'RRSet with DNS name lat.policy.test., type A, SetIdentifier use1-b, and Region Name=us-east-1 cannot be created because a latency RRSet with the same name, type and region already exists.',
    );
    // UPSERT of the same SetIdentifier replaces it (the name and type keep one policy).
    await change('ZPOLICY', [
      {
        Action: 'UPSERT',
        ResourceRecordSet: plain('www.policy.test', 'A', ['192.0.2.1'], { SetIdentifier: 'a', Weight: 5 }),
      },
    ]);
    const st = await fakeState(fake.url);
    assert.deepEqual(
      st.route53.zones.ZPOLICY?.recordSets.filter((s) => s.name === 'www.policy.test').map((s) => [s.type, s.values]),
      [
        ['A', ['192.0.2.1']],
        ['AAAA', ['2001:db8::1']],
      ],
    );
  });

  test('routing-policy fields are validated as AWS validates them', async () => {
    const invalid = async (set: ResourceRecordSet, message: string) => {
      const err = await failure(change('ZPOLICY', [{ Action: 'CREATE', ResourceRecordSet: set }]));
      assert.equal(err.name, 'InvalidInput');
      assert.equal(err.message, message);
    };
    await invalid(
      plain('v.policy.test', 'A', ['192.0.2.1'], { SetIdentifier: 'x', Weight: 256 }),
      "1 validation error detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value less than or equal to 255",
    );
    await invalid(
      plain('v.policy.test', 'A', ['192.0.2.1'], { SetIdentifier: 'x' }),
      'Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action=CREATE, Name=v.policy.test, Type=A, SetIdentifier=x]',
    );
    await invalid(
      plain('v.policy.test', 'A', ['192.0.2.1'], { SetIdentifier: 'x', Weight: 1, Failover: 'PRIMARY' }),
      'Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with [Action=CREATE, Name=v.policy.test, Type=A, SetIdentifier=x]',
    );
    await invalid(
      plain('v.policy.test', 'A', ['192.0.2.1'], { Weight: 1 }),
      "Invalid request: Missing field 'SetIdentifier' in Change with [Action=CREATE, Name=v.policy.test, Type=A, SetIdentifier=null]",
    );
  });

  test('at most 100 weighted sets per name and type; multivalue sets are not capped at the 8 a DNS answer carries', async () => {
    const many = (type: 'A' | 'AAAA', n: number, extra: (i: number) => object): Change[] =>
      Array.from({ length: n }, (_, i) => ({
        Action: 'CREATE',
        ResourceRecordSet: plain('n.policy.test', type, [type === 'A' ? `10.0.0.${i}` : `2001:db8::${i}`], {
          SetIdentifier: `s${String(i).padStart(3, '0')}`,
          ...extra(i),
        }),
      }));
    await change(
      'ZPOLICY',
      many('A', 100, () => ({ Weight: 1 })),
    );
    const err = await failure(
      change('ZPOLICY', [
        {
          Action: 'CREATE',
          ResourceRecordSet: plain('n.policy.test', 'A', ['10.0.1.1'], { SetIdentifier: 'one-more', Weight: 1 }),
        },
      ]),
    );
    assert.equal(err.message, '[Exceeded limit on number of weighted RRSets for n.policy.test., type A in this zone.]');
    await change(
      'ZPOLICY',
      many('AAAA', 9, () => ({ MultiValueAnswer: true })),
    );
    const aaaa = await list('ZPOLICY', { StartRecordName: 'n.policy.test', StartRecordType: 'AAAA' });
    assert.equal(aaaa.ResourceRecordSets?.filter((s) => s.MultiValueAnswer === true).length, 9);
    // The eight are what one DNS answer carries, as TestDNSAnswer shows.
    const answer = await r53.send(
      new TestDNSAnswerCommand({ HostedZoneId: 'ZPOLICY', RecordName: 'n.policy.test', RecordType: 'AAAA' }),
    );
    assert.equal(answer.RecordData?.length, 8);
    assert.equal(answer.ResponseCode, 'NOERROR');
  });

  test('a CNAME owns its name: not at the apex, not beside another type, and nothing beside it', async () => {
    const refused = async (changes: Change[], message: string) => {
      const err = await failure(change('ZCNAME', changes));
      assert.equal(err.name, 'InvalidChangeBatch');
      assert.equal(err.message, `[${message}]`);
    };
    await refused(
      [{ Action: 'CREATE', ResourceRecordSet: plain('cname.test', 'CNAME', ['elsewhere.example.com']) }],
      'RRSet of type CNAME with DNS name cname.test. is not permitted at apex in zone cname.test.',
    );
    await change('ZCNAME', [
      { Action: 'CREATE', ResourceRecordSet: plain('a.cname.test', 'A', ['192.0.2.1']) },
      { Action: 'CREATE', ResourceRecordSet: plain('c.cname.test', 'CNAME', ['elsewhere.example.com']) },
    ]);
    await refused(
      [{ Action: 'CREATE', ResourceRecordSet: plain('a.cname.test', 'CNAME', ['elsewhere.example.com']) }],
      'RRSet of type CNAME with DNS name a.cname.test. is not permitted as it conflicts with other records with the same DNS name in zone cname.test.',
    );
    await refused(
      [{ Action: 'UPSERT', ResourceRecordSet: plain('c.cname.test', 'AAAA', ['2001:db8::1']) }],
      'RRSet of type AAAA with DNS name c.cname.test. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone cname.test.',
    );
    // Changes apply in order: deleting the CNAME first makes room for an A in the same batch.
    await change('ZCNAME', [
      { Action: 'DELETE', ResourceRecordSet: plain('c.cname.test', 'CNAME', ['elsewhere.example.com']) },
      { Action: 'CREATE', ResourceRecordSet: plain('c.cname.test', 'A', ['192.0.2.2']) },
    ]);
    assert.deepEqual(
      (await list('ZCNAME', { StartRecordName: 'c.cname.test' })).ResourceRecordSets?.map((s) => s.Type),
      ['A'],
    );
  });

  test("names are listed escaped and in Route53's order; a start name lands where AWS lands it", async () => {
    const names = [
      'www.order.test',
      'www-a.order.test',
      '*.order.test',
      '0.order.test',
      'a.order.test',
      '_sip.order.test',
    ];
    await change(
      'ZORDER',
      names.map((n) => ({ Action: 'CREATE', ResourceRecordSet: plain(n, 'TXT', ['"x"']) })),
    );
    const all = (await list('ZORDER')).ResourceRecordSets?.map((s) => `${s.Name} ${s.Type}`);
    assert.deepEqual(all, [
      'order.test. NS',
      'order.test. SOA',
      '0.order.test. TXT',
      '\\052.order.test. TXT',
      '_sip.order.test. TXT',
      'a.order.test. TXT',
      'www-a.order.test. TXT',
      'www.order.test. TXT',
    ]);
    for (const start of ['*.order.test', '\\052.order.test', '\\052.ORDER.test.']) {
      const r = await list('ZORDER', { StartRecordName: start, MaxItems: 1 });
      assert.equal(r.ResourceRecordSets?.[0]?.Name, '\\052.order.test.', `start at ${start}`);
      assert.equal(r.NextRecordName, '_sip.order.test.');
    }
    const fromW = await list('ZORDER', { StartRecordName: 'www.order.test', StartRecordType: 'A' });
    assert.deepEqual(
      fromW.ResourceRecordSets?.map((s) => s.Name),
      ['www.order.test.'],
      'type A starts before TXT at the name',
    );
  });
});
