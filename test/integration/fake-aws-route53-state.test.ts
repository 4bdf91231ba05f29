// Alias and routing-policy sets in the fake's state: `GET /_fake/state`, `POST /_fake/reset` with a state, and the
// `--state` file (`--save` writes it back); state files from before these fields existed still load.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { startTestFakeAws } from '../helpers/fake-aws.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' };

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
