import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { iid, startStack, waitReady, type Stack } from '../helpers/stack.js';

// A cold start over many load balancers and a busy zone: the daemon lists AWS while it still reads etcd (one paged
// listing per region, one per zone) and must still act on exactly what differs.
const LBS = Array.from({ length: 30 }, (_, i) => `lb-${String(i).padStart(2, '0')}`);
const NAMES = Array.from({ length: 12 }, (_, i) => `n${i}.example.test`);
const elbKey = (lb: string, n: number): string => `/lbManager/elb/us-east-1/${lb}/multiple/${iid(n)}`;
const dnsKey = (name: string, ip: string): string => `/lbManager/route53/us-east-1/ZCOLD/${name}/multiple/${ip}`;
const ip = (n: number): string => `192.0.2.${n}`;

describe('cold start over many targets (real etcd, fake endpoint, built CLI)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ lbs: LBS, zones: { ZCOLD: 'example.test' } });
    // The tree: two members per load balancer, one address per name.
    await s.putMany([...LBS.flatMap((lb, i) => [elbKey(lb, 2 * i), elbKey(lb, 2 * i + 1)])]);
    await s.putMany(NAMES.map((name, i) => dnsKey(name, ip(i + 1))));
    // AWS: the first ten load balancers match, the next ten lack a member, the last ten hold an extra one; the first
    // six names match, the next three hold a wrong address, the last three are missing; one stray name has a set.
    s.fake.state.load({
      elb: {
        'us-east-1': Object.fromEntries(
          LBS.map((lb, i) => {
            const want = [iid(2 * i), iid(2 * i + 1)];
            const instances = i < 10 ? want : i < 20 ? want.slice(0, 1) : [...want, iid(1000 + i)];
            return [lb, { instances }];
          }),
        ),
      },
      route53: {
        zones: {
          ZCOLD: {
            name: 'example.test',
            recordSets: [
              ...NAMES.slice(0, 9).map((name, i) => ({
                name,
                type: 'A',
                ttl: 60,
                values: [i < 6 ? ip(i + 1) : ip(200 + i)],
              })),
              { name: 'stray.example.test', type: 'A', ttl: 60, values: [ip(250)] },
            ],
          },
        },
      },
    });
  });
  after(async () => {
    await s.stop();
  });

  test('converges exactly, reading each region and zone with one listing, writing only what differs', async () => {
    const d = await s.daemon(['--no-leader-election', '--route53-ttl', '60']);
    assert.ok(await waitReady(d), 'the first pass finished');
    const state = await s.state();
    for (const [i, lb] of LBS.entries()) {
      assert.deepEqual(state.elb['us-east-1']?.[lb]?.instances, [iid(2 * i), iid(2 * i + 1)], lb);
    }
    const sets = new Map(
      (state.route53.zones.ZCOLD?.recordSets ?? [])
        .filter((r) => r.type === 'A')
        .map((r) => [r.name, r.values.join(',')]),
    );
    for (const [i, name] of NAMES.entries()) assert.equal(sets.get(name), ip(i + 1), name);
    assert.equal(sets.get('stray.example.test'), ip(250), 'a name without keys is not lbmanager’s: left alone');
    const calls = (await s.calls()).calls;
    const count = (op: string): number => calls.filter((c) => c.operation === op).length;
    const describes = calls
      .filter((c) => c.operation === 'DescribeLoadBalancers')
      .map((c) => c.target)
      .sort();
    // One listing (no load balancer named) for the whole first pass; removals wait for the first pass to end (the
    // removal guard needs every target's tally), then read their load balancer again: only the ten with extras.
    assert.deepEqual(describes, ['', ...LBS.slice(20)].sort(), 'one listing, then a fresh read before removing');
    assert.equal(count('RegisterInstancesWithLoadBalancer'), 10);
    assert.equal(count('DeregisterInstancesFromLoadBalancer'), 10);
    // The zone: one listing for the first pass; the replaced addresses are removals too, so a second, fresh read
    // follows the first change batch (a listing from before a change never answers a read after it).
    const zoneOps = calls.filter((c) => c.target === 'ZCOLD').map((c) => c.operation);
    assert.deepEqual(zoneOps, [
      'ListResourceRecordSets',
      'ChangeResourceRecordSets',
      'ListResourceRecordSets',
      'ChangeResourceRecordSets',
    ]);
  });
});
