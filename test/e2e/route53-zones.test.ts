import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAws } from '../helpers/aws-cli.js';
import { startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const zoneId = (z: number): string => `ZBIG${String(z).padStart(2, '0')}`;
const ip4 = (z: number, n: number): string => `10.${z}.${n >> 8}.${n & 255}`;
const ip6 = (z: number, n: number): string => `2001:db8:${z}::${n.toString(16)}`;

// 20 zones of 200 names each, already as the tree wants them: the first ten with an A set per name (200 sets, one
// page of 300), the other ten with A and AAAA (400 sets, two pages). A cold start lists each zone once, ahead of the
// reads, never more pages than it has.
test('a cold start over 20 zones x 200 names lists each zone once, with no more pages than it holds, and writes nothing', async () => {
  const zones = Array.from({ length: 20 }, (_, z) => z);
  const names = Array.from({ length: 200 }, (_, n) => n);
  const s = await startStack({ zones: Object.fromEntries(zones.map((z) => [zoneId(z), `z${z}.test`])) });
  try {
    s.fake.state.load({
      route53: {
        zones: Object.fromEntries(
          zones.map((z) => [
            zoneId(z),
            {
              name: `z${z}.test`,
              recordSets: names.flatMap((n) => [
                { name: `n${n}.z${z}.test`, type: 'A', ttl: 60, values: [ip4(z, n)] },
                ...(z >= 10 ? [{ name: `n${n}.z${z}.test`, type: 'AAAA', ttl: 60, values: [ip6(z, n)] }] : []),
              ]),
            },
          ]),
        ),
      },
    });
    const keys = zones.flatMap((z) =>
      names.flatMap((n) => [
        `/lbManager/route53/us-east-1/${zoneId(z)}/n${n}.z${z}.test/multiple/${ip4(z, n)}`,
        ...(z >= 10 ? [`/lbManager/route53/us-east-1/${zoneId(z)}/n${n}.z${z}.test/multiple/${ip6(z, n)}`] : []),
      ]),
    );
    await s.putMany(keys);
    const d = await s.daemon(['--no-leader-election']);
    assert.ok(await waitReady(d, 60_000));
    const { calls } = await s.calls();
    const lists = calls.filter((c) => c.operation === 'ListResourceRecordSets');
    const pagesNeeded = 10 * 1 + 10 * 2;
    assert.ok(lists.length <= pagesNeeded, `${lists.length} listing requests, ${pagesNeeded} pages in all`);
    for (const z of zones) {
      const mine = lists.filter((c) => c.target === zoneId(z)).length;
      assert.ok(mine >= 1 && mine <= (z >= 10 ? 2 : 1), `${zoneId(z)}: ${mine} listing requests`);
    }
    assert.equal(calls.filter((c) => c.operation === 'ChangeResourceRecordSets').length, 0, 'nothing to write');
  } finally {
    await s.stop();
  }
});

test('a wildcard name is read where Route53 sorts it; Route53 is signed for us-east-1 whatever region the key names', async () => {
  const s = await startStack({ zones: { ZWILD: 'wild.test' } });
  try {
    const d = await s.daemon(['--no-leader-election']);
    await waitReady(d);
    await s.client.put('/lbManager/route53/ap-southeast-2/ZWILD/*.wild.test/multiple/192.0.2.10').value('');
    await s.client.put('/lbManager/route53/ap-southeast-2/ZWILD/0a.wild.test/multiple/192.0.2.11').value('');
    await waitFor('both sets written', async () => {
      const sets = (await s.state()).route53.zones.ZWILD?.recordSets ?? [];
      return sets.filter((r) => r.type === 'A').length === 2;
    });
    // The AWS CLI (botocore) reads what lbmanager wrote: the wildcard in Route53's escaped form.
    const cli = await runAws(s.fake.url, 'route53', 'list-resource-record-sets', '--hosted-zone-id', 'ZWILD');
    assert.equal(cli.code, 0, cli.stderr);
    const out = JSON.parse(cli.stdout) as { ResourceRecordSets: Array<{ Name: string; Type: string }> };
    assert.deepEqual(
      out.ResourceRecordSets.filter((r) => r.Type === 'A')
        .map((r) => r.Name)
        .sort(),
      ['0a.wild.test.', '\\052.wild.test.'],
    );
    const since = (await s.calls()).total;
    d.proc.kill('SIGHUP');
    await waitFor('the resync read the zone', async () =>
      (await s.calls(since)).calls.some((c) => c.operation === 'ListResourceRecordSets'),
    );
    await new Promise((r) => setTimeout(r, 500));
    const after = (await s.calls(since)).calls;
    assert.deepEqual(
      after.filter((c) => c.operation === 'ChangeResourceRecordSets'),
      [],
      'the wildcard set was found where it is: nothing written again',
    );
    const regions = new Set((await s.calls()).calls.filter((c) => c.service === 'route53').map((c) => c.region));
    assert.deepEqual([...regions], ['us-east-1'], 'signed for the partition, not for ap-southeast-2');
  } finally {
    await s.stop();
  }
});
