// Route53 as AWS behaves where lbmanager must cope with it, through a second, independent client: the AWS CLI
// (botocore). The same behaviours through the JavaScript SDK: fake-aws-route53-sdk.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FakeAwsServer } from '../../src/fake-aws/server.js';
import { runAws, runAwsWithEnv } from '../helpers/aws-cli.js';
import { fakeCalls, startTestFakeAws } from '../helpers/fake-aws.js';

interface ListedSet {
  Name: string;
  Type: string;
  SetIdentifier?: string;
  Weight?: number;
  TTL?: number;
  ResourceRecords?: Array<{ Value: string }>;
  AliasTarget?: { HostedZoneId: string; DNSName: string; EvaluateTargetHealth: boolean };
}

describe('fake-aws Route53 through the AWS CLI (botocore): sets as AWS keeps them', () => {
  let fake: FakeAwsServer;
  const aws = (...args: string[]) => runAws(fake.url, ...args);
  const change = (zoneId: string, changes: unknown[]) =>
    aws(
      'route53',
      'change-resource-record-sets',
      '--hosted-zone-id',
      zoneId,
      '--change-batch',
      JSON.stringify({ Changes: changes }),
    );
  const ok = async (p: ReturnType<typeof aws>): Promise<unknown> => {
    const r = await p;
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  };
  /** The CLI's one-line error: `An error occurred (Code) when calling the Op operation: Message`. */
  const fails = async (p: ReturnType<typeof aws>): Promise<string> => {
    const r = await p;
    assert.notEqual(r.code, 0, `expected a failure: ${r.stdout}`);
    return r.stderr.trim();
  };
  const list = async (zoneId: string, ...args: string[]): Promise<ListedSet[]> =>
    (
      (await ok(aws('route53', 'list-resource-record-sets', '--hosted-zone-id', zoneId, ...args))) as {
        ResourceRecordSets: ListedSet[];
      }
    ).ResourceRecordSets;
  const set = (Name: string, Type: string, values: string[], extra = {}) => ({
    Name,
    Type,
    TTL: 60,
    ResourceRecords: values.map((Value) => ({ Value })),
    ...extra,
  });
  const batchError = (message: string) =>
    `An error occurred (InvalidChangeBatch) when calling the ChangeResourceRecordSets operation: [${message}]`;

  before(async () => {
    fake = await startTestFakeAws();
    fake.state.load({
      route53: {
        zones: {
          ZCLI1: { name: 'alias.cli.test', recordSets: [] },
          ZCLI2: { name: 'policy.cli.test', recordSets: [] },
          ZCLI3: { name: 'names.cli.test', recordSets: [] },
          ZCLI4: { name: 'answers.cli.test', recordSets: [] },
        },
      },
    });
  });
  after(async () => {
    await fake.close();
  });

  test('an alias set: created, listed without TTL or records; with a TTL it is InvalidInput; a plain UPSERT replaces it', async () => {
    const alias = { HostedZoneId: 'Z35SXDOTRQ7X7K', DNSName: 'lb-1.example.com', EvaluateTargetHealth: false };
    await ok(
      change('ZCLI1', [
        { Action: 'CREATE', ResourceRecordSet: { Name: 'alias.cli.test', Type: 'A', AliasTarget: alias } },
      ]),
    );
    const listed = (await list('ZCLI1')).find((s) => s.Type === 'A');
    assert.deepEqual(listed, {
      Name: 'alias.cli.test.',
      Type: 'A',
      AliasTarget: { ...alias, DNSName: 'lb-1.example.com.' },
    });
    assert.equal(
      await fails(
        change('ZCLI1', [
          { Action: 'CREATE', ResourceRecordSet: { Name: 'x.alias.cli.test', Type: 'A', TTL: 60, AliasTarget: alias } },
        ]),
      ),
      'An error occurred (InvalidInput) when calling the ChangeResourceRecordSets operation: Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=x.alias.cli.test, Type=A, SetIdentifier=null]',
    );
    assert.match(
      await fails(
        change('ZCLI1', [
          {
            Action: 'DELETE',
            ResourceRecordSet: {
              Name: 'alias.cli.test',
              Type: 'A',
              AliasTarget: { ...alias, EvaluateTargetHealth: true },
            },
          },
        ]),
      ),
      /but the values provided do not match the current values/,
    );
    await ok(change('ZCLI1', [{ Action: 'UPSERT', ResourceRecordSet: set('alias.cli.test', 'A', ['192.0.2.1']) }]));
    assert.deepEqual(
      (await list('ZCLI1')).find((s) => s.Type === 'A'),
      set('alias.cli.test.', 'A', ['192.0.2.1']),
    );
  });

  test('weighted sets: listed page by page with NextRecordIdentifier; no plain set beside them, nor they beside one', async () => {
    const weighted = (id: string, w: number) =>
      set('www.policy.cli.test', 'A', [`192.0.2.${w}`], { SetIdentifier: id, Weight: w });
    await ok(
      change('ZCLI2', [
        { Action: 'CREATE', ResourceRecordSet: weighted('blue', 1) },
        { Action: 'CREATE', ResourceRecordSet: weighted('green', 2) },
        { Action: 'CREATE', ResourceRecordSet: weighted('red', 3) },
        { Action: 'CREATE', ResourceRecordSet: set('www.policy.cli.test', 'AAAA', ['2001:db8::1']) },
      ]),
    );
    const before = (await fakeCalls(fake.url)).total;
    const all = await list('ZCLI2', '--page-size', '1');
    assert.deepEqual(
      all
        .filter((s) => s.Name === 'www.policy.cli.test.')
        .map((s) => `${s.Type} ${s.SetIdentifier ?? '-'} ${s.Weight ?? '-'}`),
      ['A blue 1', 'A green 2', 'A red 3', 'AAAA - -'],
    );
    const pages = (await fakeCalls(fake.url, before)).calls.filter((c) => c.operation === 'ListResourceRecordSets');
    assert.equal(pages.length, 6, 'NS, SOA, three weighted A and the AAAA: botocore followed NextRecordIdentifier');
    const fromGreen = await list(
      'ZCLI2',
      '--start-record-name',
      'www.policy.cli.test',
      '--start-record-type',
      'A',
      '--start-record-identifier',
      'green',
    );
    assert.deepEqual(
      fromGreen.map((s) => s.SetIdentifier ?? s.Type),
      ['green', 'red', 'AAAA'],
    );
    assert.equal(
      await fails(
        change('ZCLI2', [{ Action: 'UPSERT', ResourceRecordSet: set('www.policy.cli.test', 'A', ['192.0.2.9']) }]),
      ),
      batchError(
        'RRSet with DNS name www.policy.cli.test., type A cannot be created as other RRSets exist with the same name and type.',
      ),
    );
    assert.equal(
      await fails(
        change('ZCLI2', [
          {
            Action: 'CREATE',
            ResourceRecordSet: set('www.policy.cli.test', 'AAAA', ['2001:db8::2'], { SetIdentifier: 'v6', Weight: 1 }),
          },
        ]),
      ),
      batchError(
        'RRSet with DNS name www.policy.cli.test., type AAAA, SetIdentifier v6 cannot be created as a non-weighted set exists with the same name and type.',
      ),
    );
    assert.equal(
      await fails(change('ZCLI2', [{ Action: 'CREATE', ResourceRecordSet: { ...weighted('big', 1), Weight: 256 } }])),
      "An error occurred (InvalidInput) when calling the ChangeResourceRecordSets operation: 1 validation error detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight' failed to satisfy constraint: Member must have value less than or equal to 255",
    );
  });

  test('weighted and multivalue groups: 100 weighted sets at most, one TTL for them, no Weight with MultiValueAnswer', async () => {
    const w = (i: number, extra = {}) =>
      set('w.answers.cli.test', 'A', [`10.0.${i >> 8}.${i & 255}`], {
        SetIdentifier: `lbm:10.0.${i >> 8}.${i & 255}`,
        Weight: i === 99 ? 255 : 0,
        ...extra,
      });
    const hundred = Array.from({ length: 100 }, (_, i) => ({ Action: 'CREATE', ResourceRecordSet: w(i) }));
    await ok(change('ZCLI4', hundred));
    assert.equal(
      await fails(change('ZCLI4', [{ Action: 'CREATE', ResourceRecordSet: w(100) }])),
      batchError('Exceeded limit on number of weighted RRSets for w.answers.cli.test., type A in this zone.'),
    );
    assert.equal(
      await fails(change('ZCLI4', [{ Action: 'UPSERT', ResourceRecordSet: w(5, { TTL: 300 }) }])),
      batchError(
        'RRSet with DNS name w.answers.cli.test., type A, SetIdentifier lbm:10.0.0.5 cannot be created as weighted sets must contain the same TTL.',
      ),
    );
    await ok(
      change(
        'ZCLI4',
        hundred.map((c, i) => ({ Action: 'UPSERT', ResourceRecordSet: w(i, { TTL: 300 }) })),
      ),
    );
    assert.ok(
      (await list('ZCLI4')).filter((x) => x.Weight !== undefined).every((x) => x.TTL === 300),
      'all at once',
    );
    assert.equal(
      await fails(
        change('ZCLI4', [
          {
            Action: 'CREATE',
            ResourceRecordSet: set('m.answers.cli.test', 'A', ['192.0.2.1'], {
              SetIdentifier: 'x',
              Weight: 1,
              MultiValueAnswer: true,
            }),
          },
        ]),
      ),
      'An error occurred (InvalidInput) when calling the ChangeResourceRecordSets operation: Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found more than one in Change with [Action=CREATE, Name=m.answers.cli.test, Type=A, SetIdentifier=x]',
    );
  });

  test('test-dns-answer: a weighted group answers one set by weight, a multivalue group at most 8 of its sets', async () => {
    const answer = async (name: string, type = 'A') =>
      (await ok(
        aws('route53', 'test-dns-answer', '--hosted-zone-id', 'ZCLI4', '--record-name', name, '--record-type', type),
      )) as { RecordData: string[]; ResponseCode: string; Nameserver: string; Protocol: string };
    await ok(
      change('ZCLI4', [
        ...Array.from({ length: 12 }, (_, i) => ({
          Action: 'CREATE',
          ResourceRecordSet: set('mv.answers.cli.test', 'A', [`192.0.2.${i + 1}`], {
            SetIdentifier: `lbm:192.0.2.${i + 1}`,
            MultiValueAnswer: true,
          }),
        })),
        { Action: 'CREATE', ResourceRecordSet: set('p.answers.cli.test', 'AAAA', ['2001:db8::1', '2001:db8::2']) },
      ]),
    );
    for (let i = 0; i < 3; i++) {
      const a = await answer('w.answers.cli.test');
      assert.deepEqual(a.RecordData, ['10.0.0.99'], 'the only set of weight above 0 answers every time');
    }
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const a = await answer('mv.answers.cli.test.');
      assert.equal(a.RecordData.length, 8, 'eight of the twelve');
      assert.equal(new Set(a.RecordData).size, 8);
      for (const v of a.RecordData) seen.add(v);
    }
    assert.ok(seen.size > 8, 'different resolvers get different combinations');
    assert.deepEqual((await answer('p.answers.cli.test', 'AAAA')).RecordData, ['2001:db8::1', '2001:db8::2']);
    const none = await answer('nothing.answers.cli.test');
    assert.deepEqual([none.ResponseCode, none.RecordData, none.Protocol], ['NXDOMAIN', [], 'UDP']);
  });

  test('CNAME conflicts in both directions, and no CNAME at the apex', async () => {
    await ok(change('ZCLI3', [{ Action: 'CREATE', ResourceRecordSet: set('a.names.cli.test', 'A', ['192.0.2.1']) }]));
    await ok(
      change('ZCLI3', [{ Action: 'CREATE', ResourceRecordSet: set('c.names.cli.test', 'CNAME', ['x.example.com']) }]),
    );
    assert.equal(
      await fails(
        change('ZCLI3', [{ Action: 'CREATE', ResourceRecordSet: set('a.names.cli.test', 'CNAME', ['x.example.com']) }]),
      ),
      batchError(
        'RRSet of type CNAME with DNS name a.names.cli.test. is not permitted as it conflicts with other records with the same DNS name in zone names.cli.test.',
      ),
    );
    assert.equal(
      await fails(change('ZCLI3', [{ Action: 'CREATE', ResourceRecordSet: set('c.names.cli.test', 'TXT', ['"x"']) }])),
      batchError(
        'RRSet of type TXT with DNS name c.names.cli.test. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone names.cli.test.',
      ),
    );
    assert.equal(
      await fails(
        change('ZCLI3', [{ Action: 'CREATE', ResourceRecordSet: set('names.cli.test', 'CNAME', ['x.example.com']) }]),
      ),
      batchError('RRSet of type CNAME with DNS name names.cli.test. is not permitted at apex in zone names.cli.test.'),
    );
  });

  test('a wildcard is listed as \\052, sorted after digits and before letters, and found from a start at *.', async () => {
    await ok(
      change(
        'ZCLI3',
        ['*.names.cli.test', '9.names.cli.test'].map((n) => ({
          Action: 'CREATE',
          ResourceRecordSet: set(n, 'A', ['192.0.2.5']),
        })),
      ),
    );
    assert.deepEqual(
      (await list('ZCLI3')).map((s) => s.Name).filter((n) => n !== 'names.cli.test.'),
      ['9.names.cli.test.', '\\052.names.cli.test.', 'a.names.cli.test.', 'c.names.cli.test.'],
    );
    const fromStar = await list('ZCLI3', '--start-record-name', '*.names.cli.test');
    assert.equal(fromStar[0]?.Name, '\\052.names.cli.test.');
  });
});

describe('fake-aws Route53 throttling through the AWS CLI (botocore)', () => {
  test('a request beyond the buckets is answered Throttling / Rate exceeded', async () => {
    // A clock that never moves: the account bucket (burst 2 here) never refills.
    const fake = await startTestFakeAws({ clock: () => 0, route53Burst: 2 });
    try {
      fake.state.load({ route53: { zones: { ZT: { name: 'throttle.cli.test', recordSets: [] } } } });
      const get = () => runAwsWithEnv(fake.url, { AWS_MAX_ATTEMPTS: '1' }, 'route53', 'get-hosted-zone', '--id', 'ZT');
      assert.equal((await get()).code, 0);
      assert.equal((await get()).code, 0);
      const third = await get();
      assert.notEqual(third.code, 0);
      assert.equal(
        third.stderr.trim(),
        'An error occurred (Throttling) when calling the GetHostedZone operation (reached max retries: 0): Rate exceeded',
      );
    } finally {
      await fake.close();
    }
  });
});
