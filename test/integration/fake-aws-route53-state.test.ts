// Alias and routing-policy sets in the fake's state: `GET /_fake/state`, `POST /_fake/reset` with a state, and the
// `--state` file (`--save` writes it back); state files from before these fields existed still load.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { fakeState, startTestFakeAws } from '../helpers/fake-aws.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };
const ELB_ZONE = 'Z35SXDOTRQ7X7K';
const SETS: ResourceRecordSet[] = [
  {
    Name: 'st.test',
    Type: 'AAAA',
    AliasTarget: { HostedZoneId: ELB_ZONE, DNSName: 'lb.example.com', EvaluateTargetHealth: true },
  },
  { Name: 'w.st.test', Type: 'A', SetIdentifier: 'a', Weight: 7, TTL: 60, ResourceRecords: [{ Value: '192.0.2.1' }] },
  {
    Name: 'w.st.test',
    Type: 'A',
    SetIdentifier: 'b',
    Weight: 0,
    HealthCheckId: 'hc-1',
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.2' }],
  },
  {
    Name: 'g.st.test',
    Type: 'A',
    SetIdentifier: 'de',
    GeoLocation: { CountryCode: 'DE' },
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.3' }],
  },
  {
    Name: 'f.st.test',
    Type: 'A',
    SetIdentifier: 's',
    Failover: 'SECONDARY',
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.4' }],
  },
  {
    Name: 'l.st.test',
    Type: 'A',
    SetIdentifier: 'l',
    Region: 'eu-west-1',
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.5' }],
  },
  {
    Name: 'm.st.test',
    Type: 'A',
    SetIdentifier: 'm',
    MultiValueAnswer: true,
    TTL: 60,
    ResourceRecords: [{ Value: '192.0.2.6' }],
  },
];

test('alias and routing-policy sets survive GET /_fake/state, a reset with it, and --state/--save', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbm-fake-r53-'));
  const file = join(dir, 'state.json');
  writeFileSync(file, JSON.stringify({ route53: { zones: { ZST: { name: 'st.test', recordSets: [] } } } }));
  const fake = await startTestFakeAws({ statePath: file, save: true });
  const r53 = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  const listed = async () =>
    (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZST' }))).ResourceRecordSets;
  let before: ResourceRecordSet[] | undefined;
  try {
    await r53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: 'ZST',
        ChangeBatch: { Changes: SETS.map((s) => ({ Action: 'CREATE', ResourceRecordSet: s })) },
      }),
    );
    before = await listed();
    const saved = await fakeState(fake.url);
    assert.deepEqual(
      saved.route53.zones.ZST?.recordSets.find((s) => s.name === 'st.test' && s.type === 'AAAA'),
      {
        name: 'st.test',
        type: 'AAAA',
        values: [],
        aliasTarget: { hostedZoneId: ELB_ZONE, dnsName: 'lb.example.com.', evaluateTargetHealth: true },
      },
    );
    const reset = await fetch(`${fake.url}/_fake/reset`, { method: 'POST', body: JSON.stringify({ state: saved }) });
    assert.equal(reset.status, 200);
    assert.deepEqual(await listed(), before, 'the same sets, with every field, in the same order');
    assert.deepEqual(await fakeState(fake.url), saved);
  } finally {
    r53.destroy();
    await fake.close();
  }
  // --save wrote the file; a new fake started from it lists the same sets.
  assert.ok(readFileSync(file, 'utf8').includes('"setIdentifier": "b"'));
  const again = await startTestFakeAws({ statePath: file });
  const r53b = new Route53Client({ region: 'us-east-1', endpoint: again.url, credentials, maxAttempts: 1 });
  try {
    const relisted = (await r53b.send(new ListResourceRecordSetsCommand({ HostedZoneId: 'ZST' }))).ResourceRecordSets;
    assert.deepEqual(relisted, before);
  } finally {
    r53b.destroy();
    await again.close();
  }
});

test('a state file from before alias and routing fields existed loads as it did; a wrong field is named', async () => {
  const fake = await startTestFakeAws();
  const r53 = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials, maxAttempts: 1 });
  const resetTo = (state: unknown) =>
    fetch(`${fake.url}/_fake/reset`, { method: 'POST', body: JSON.stringify({ state }) });
  try {
    const oldSet = { name: '*.old.test', type: 'A', values: ['192.0.2.1'] };
    assert.equal(
      (await resetTo({ route53: { zones: { ZOLD: { name: 'old.test', recordSets: [oldSet] } } } })).status,
      200,
    );
    const sets = await r53.send(
      new ListResourceRecordSetsCommand({ HostedZoneId: 'ZOLD', StartRecordName: '*.old.test' }),
    );
    assert.deepEqual(sets.ResourceRecordSets, [
      { Name: '\\052.old.test.', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '192.0.2.1' }] },
    ]);
    const badSet = { name: 'x.test', type: 'A', weight: 'heavy' };
    const bad = await resetTo({ route53: { zones: { Z: { name: 'x.test', recordSets: [badSet] } } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { error: 'route53.zones.Z.recordSets[0].weight must be a number' });
  } finally {
    r53.destroy();
    await fake.close();
  }
});
