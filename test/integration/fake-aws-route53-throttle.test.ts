// Route53's throttling buckets as the real AWS SDK for JavaScript sees them, on a clock the test moves by hand: which
// call is answered `Throttling`, never how long anything took.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import type { Faults, FakeAwsServer } from '../../src/fake-aws/server.js';
import { startCli } from '../helpers/cli.js';
import { fakeCalls, setFaults, startTestFakeAws } from '../helpers/fake-aws.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };

/** `ok` or the error's name, message and HTTP status. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    return `${err.name}: ${err.message} (${err.$metadata?.httpStatusCode})`;
  }
}

const THROTTLED = 'Throttling: Rate exceeded (400)';

describe('fake-aws Route53 throttling through the real AWS SDK for JavaScript', () => {
  let fake: FakeAwsServer;
  let r53: Route53Client;
  let now = 0;
  let defaults: Faults;
  /** Starts a test with the given figures, full buckets (a reset fills them) and an empty zone. */
  const fresh = async (faults: Partial<Faults> = {}) => {
    await setFaults(fake.url, { ...defaults, ...faults });
    const r = await fetch(`${fake.url}/_fake/reset`, {
      method: 'POST',
      body: JSON.stringify({ state: { route53: { zones: { ZT: { name: 'throttle.test', recordSets: [] } } } } }),
    });
    assert.equal(r.status, 200);
  };
  const get = () => r53.send(new GetHostedZoneCommand({ Id: 'ZT' }));
  const upsert = (names: string[], action: 'UPSERT' | 'CREATE' = 'UPSERT') =>
    r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'ZT',
        ChangeBatch: {
          Changes: names.map((n) => ({
            Action: action,
            ResourceRecordSet: { Name: n, Type: 'A', TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
          })),
        },
      }),
    );
  const outcomes = async (n: number, call: () => Promise<unknown>): Promise<string[]> => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await outcome(call()));
    return out;
  };
  const count = (list: string[], what: string) => list.filter((o) => o === what).length;

  before(async () => {
    fake = await startTestFakeAws({ clock: () => now });
    defaults = { ...fake.faults };
    r53 = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  });
  after(async () => {
    r53.destroy();
    await fake.close();
  });

  test('on by default: 50 requests at once, then Throttling (HTTP 400, Rate exceeded) until the account bucket refills', async () => {
    await fresh();
    const burst = await outcomes(52, get);
    assert.equal(count(burst, 'ok'), 50);
    assert.deepEqual(burst.slice(50), [THROTTLED, THROTTLED]);
    now += 100;
    assert.deepEqual(await outcomes(2, get), ['ok', THROTTLED], 'one token 0.1 s later, at 10 a second');
    const calls = (await fakeCalls(fake.url)).calls.filter((c) => c.operation === 'GetHostedZone');
    assert.equal(calls.filter((c) => c.outcome === 'Throttling').length, 3, 'the call log shows the throttled calls');
  });

  test('CreateHostedZone has its own bucket (40, 2 a second): it is throttled while other operations go on', async () => {
    await fresh();
    const create = (i: number) =>
      r53.send(new CreateHostedZoneCommand({ Name: `z${i}.throttle.test`, CallerReference: `ref-${now}-${i}` }));
    let i = 0;
    const created = await outcomes(41, () => create(i++));
    assert.equal(count(created, 'ok'), 40);
    assert.equal(created[40], THROTTLED);
    assert.equal(await outcome(r53.send(new ListHostedZonesCommand({}))), 'ok', 'the account bucket has tokens left');
    now += 500;
    assert.equal(await outcome(create(i++)), 'ok', 'one CreateHostedZone token 0.5 s later');
  });

  test('the change bucket counts record changes; a throttled batch applies nothing', async () => {
    await fresh({ route53ChangeBurst: 5, route53ChangeRate: 1 });
    assert.equal(await outcome(upsert(['a.throttle.test', 'b.throttle.test'])), 'ok', '2 UPSERTs count 4 changes');
    assert.equal(await outcome(upsert(['c.throttle.test'])), THROTTLED, 'an UPSERT counts 2; 1 is left');
    assert.equal(await outcome(upsert(['c.throttle.test'], 'CREATE')), 'ok', 'a CREATE counts 1');
    assert.equal(await outcome(upsert(['d.throttle.test'], 'CREATE')), THROTTLED);
    const names = async () =>
      (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZT' }))).ResourceRecordSets?.filter(
        (s) => s.Type === 'A',
      ).map((s) => s.Name);
    assert.deepEqual(await names(), ['a.throttle.test.', 'b.throttle.test.', 'c.throttle.test.']);
    now += 1000;
    assert.equal(await outcome(upsert(['d.throttle.test'], 'CREATE')), 'ok', 'one change a second');
    // A batch Route53 refuses changes nothing, so it costs no changes: its error is not Throttling.
    const refused = await outcome(upsert(['d.throttle.test'], 'CREATE'));
    assert.match(refused, /^InvalidChangeBatch: .*but it already exists/);
    await setFaults(fake.url, { route53UpsertChanges: 1 });
    now += 1000;
    assert.equal(await outcome(upsert(['d.throttle.test'])), 'ok', 'an UPSERT counting 1 fits the one token');
  });

  test('route53Rps 0 turns Route53 throttling off; route53OperationBuckets false only the per-operation buckets', async () => {
    await fresh({ route53Rps: 0 });
    assert.equal(count(await outcomes(80, get), 'ok'), 80);
    assert.equal(
      await outcome(
        upsert(
          Array.from({ length: 600 }, (_, i) => `n${i}.throttle.test`),
          'CREATE',
        ),
      ),
      'ok',
      '600 changes at once, more than the change bucket holds',
    );
    await fresh({ route53OperationBuckets: false, route53Burst: 60 });
    assert.equal(count(await outcomes(61, get), 'ok'), 60, 'GetHostedZone is limited by the account bucket only');
  });
});

describe('`lbmanager fake-aws` throttling flags', () => {
  test('set the buckets, and show in GET /_fake/faults', async () => {
    const p = startCli([
      'fake-aws',
      '--listen',
      '127.0.0.1:0',
      '--route53-rps',
      '4',
      '--route53-burst',
      '8',
      '--no-route53-operation-buckets',
      '--route53-change-rate',
      '0',
      '--route53-upsert-changes',
      '1',
    ]);
    try {
      const m = await p.waitForOutput(/fake-aws listening on (http:\/\/\S+)/);
      const faults = (await (await fetch(`${m[1]}/_fake/faults`)).json()) as Faults;
      assert.deepEqual(
        [
          faults.route53Rps,
          faults.route53Burst,
          faults.route53OperationBuckets,
          faults.route53ChangeRate,
          faults.route53ChangeBurst,
          faults.route53UpsertChanges,
        ],
        [4, 8, false, 0, 1000, 1],
      );
    } finally {
      await p.stop('SIGTERM');
    }
  });

  test("without flags, Route53 is throttled with the figures of AWS's page", async () => {
    const p = startCli(['fake-aws', '--listen', '127.0.0.1:0']);
    try {
      const m = await p.waitForOutput(/fake-aws listening on (http:\/\/\S+)/);
      const faults = (await (await fetch(`${m[1]}/_fake/faults`)).json()) as Faults;
      assert.deepEqual([faults.route53Rps, faults.route53Burst, faults.route53OperationBuckets], [10, 50, true]);
    } finally {
      await p.stop('SIGTERM');
    }
  });
});
