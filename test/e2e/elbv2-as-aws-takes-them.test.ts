import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fakeCalls, setFaults } from '../helpers/fake-aws.js';
import { adminState, iid, startStack, waitReady, type Stack, type StackDaemon } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// What AWS does to ELBv2 targets that a fake which takes anything would hide: VPC rules for IP targets, target
// quotas, the target lifecycle and describes that lag writes. The fake models each from AWS's documentation
// (src/fake-aws/elbv2-*.ts cite the pages); here the daemon meets them end to end.

const P = '/lbManager/elbv2/us-east-1';
const TOKEN = 'elbv2-token';

interface GroupJson {
  targets: Array<{ id: string; port: number; availabilityZone?: string }>;
  draining?: Array<{ id: string; port: number }>;
}

describe('ELBv2 targets as AWS takes them', () => {
  let s: Stack;
  let d: StackDaemon;
  const group = async (name: string): Promise<GroupJson> =>
    (await s.state()).elbv2['us-east-1']?.[name] as unknown as GroupJson;
  const status = async (name: string) => (await adminState(d)).targets.find((t) => t.id === `elbv2/us-east-1/${name}`);
  const resync = async (): Promise<void> => {
    const r = await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 202);
  };
  const writes = async (since: number, name?: string) =>
    (await fakeCalls(s.fake.url, since)).calls.filter(
      (c) => /^(Register|Deregister)Targets$/.test(c.operation) && (name === undefined || c.target === name),
    );

  before(async () => {
    s = await startStack();
    s.fake.state.load({
      elbv2: {
        'us-east-1': {
          // In the fake's default VPC, 10.0.0.0/16.
          'ip-tg': { port: 80, targetType: 'ip', targets: [{ id: '10.0.2.2' }] },
          // Room for three targets: a swap of all three must deregister before it can register.
          'full-tg': { port: 80, targetType: 'instance', targetLimit: 3 },
          // Targets stay `initial` (health checks not passed yet) for ten minutes.
          'slow-tg': { port: 80, targetType: 'instance', healthyAfterMs: 600_000 },
          // i-…21 fails its health checks: `unhealthy` once past `initial`.
          'sick-tg': { port: 80, targetType: 'instance', healthyAfterMs: 0, unhealthy: [iid(21)] },
          // A deregistered target drains for ten minutes.
          'drain-tg': { port: 80, targetType: 'instance', healthyAfterMs: 0, deregistrationDelayMs: 600_000 },
          'lag-tg': { port: 80, targetType: 'instance', healthyAfterMs: 0 },
        },
      },
    });
    await s.client.put(`${P}/ip-tg/multiple/10.0.2.2`).value('');
    await s.putMany([1, 2, 3].map((n) => `${P}/full-tg/multiple/${iid(n)}`));
    d = await s.daemon(['--no-leader-election', '--http-token', TOKEN]);
    await waitReady(d);
  });
  after(async () => {
    await s.stop();
  });

  test('an IP group: in the VPC registered, private outside it with zone all, public rejected, a deleted key deregistered', async () => {
    await s.putMany([`${P}/ip-tg/multiple/10.0.1.5`, `${P}/ip-tg/multiple/192.168.7.7`, `${P}/ip-tg/multiple/8.8.8.8`]);
    await s.client.delete().key(`${P}/ip-tg/multiple/10.0.2.2`);
    await waitFor('the group converged', async () => {
      const ids = (await group('ip-tg')).targets.map((t) => `${t.id}:${t.port}`).sort();
      return ids.join() === '10.0.1.5:80,192.168.7.7:80';
    });
    const zones = Object.fromEntries((await group('ip-tg')).targets.map((t) => [t.id, t.availabilityZone]));
    assert.equal(zones['192.168.7.7'], 'all', 'registered with AvailabilityZone=all');
    assert.notEqual(zones['10.0.1.5'], 'all', 'an address of the VPC keeps its own zone');
    const st = await waitFor('8.8.8.8 reported', async () => {
      const t = await status('ip-tg');
      return t?.rejected.includes('8.8.8.8') ? t : undefined;
    });
    assert.deepEqual(st?.rejected, ['8.8.8.8']);
    assert.deepEqual([...(st?.actual ?? [])].sort(), ['10.0.1.5', '192.168.7.7']);
  });

  test('a full target group swapping all its members converges (removals first when the quota refuses)', async () => {
    await waitFor('three members', async () => (await group('full-tg')).targets.length === 3);
    const since = (await s.calls()).total;
    await s.client.kv.txn({
      compare: [],
      success: [
        ...[1, 2, 3].map((n) => ({ request_delete_range: { key: Buffer.from(`${P}/full-tg/multiple/${iid(n)}`) } })),
        ...[4, 5, 6].map((n) => ({
          request_put: { key: Buffer.from(`${P}/full-tg/multiple/${iid(n)}`), value: Buffer.from('') },
        })),
      ],
      failure: [],
    });
    await waitFor('swapped', async () => {
      const ids = (await group('full-tg')).targets.map((t) => t.id).sort();
      return ids.join() === [4, 5, 6].map(iid).join();
    });
    const calls = await writes(since, 'full-tg');
    assert.ok(
      calls.some((c) => c.operation === 'RegisterTargets' && c.outcome === 'TooManyTargets'),
      'the quota did refuse the first registration',
    );
    await waitFor('no error left', async () => (await status('full-tg'))?.lastError === null);
  });

  test('initial and unhealthy targets are members: nothing registered again, not even on a resync', async () => {
    await s.putMany([`${P}/slow-tg/multiple/${iid(11)}`, `${P}/sick-tg/multiple/${iid(21)}`]);
    await waitFor('registered', async () => {
      const [slow, sick] = [await status('slow-tg'), await status('sick-tg')];
      return slow?.actual?.includes(iid(11)) && sick?.actual?.includes(iid(21));
    });
    const since = (await s.calls()).total;
    const last = (await status('slow-tg'))?.lastSync;
    await resync();
    await waitFor('resynced', async () => (await status('slow-tg'))?.lastSync !== last);
    await waitFor('sick-tg resynced too', async () => (await status('sick-tg'))?.lastError === null);
    assert.deepEqual(
      (await writes(since)).filter((c) => /slow-tg|sick-tg/.test(c.target)),
      [],
      'an initial or unhealthy target is not registered again',
    );
  });

  test('a target registered again while it drains ends registered', async () => {
    const key = `${P}/drain-tg/multiple/${iid(31)}`;
    await s.client.put(key).value('');
    await waitFor('registered', async () => (await group('drain-tg')).targets.some((t) => t.id === iid(31)));
    await s.client.delete().key(key);
    await waitFor('draining', async () => (await group('drain-tg')).draining?.some((t) => t.id === iid(31)));
    await s.client.put(key).value('');
    await waitFor('registered again', async () => (await group('drain-tg')).targets.some((t) => t.id === iid(31)));
    await waitFor('and in sync', async () => (await status('drain-tg'))?.actual?.includes(iid(31)));
  });

  test('describes that lag writes by 2 s: every member registered once, none deregistered, no storm', async () => {
    await setFaults(s.fake.url, { describeLagMs: 2000 });
    try {
      const since = (await s.calls()).total;
      // Five bursts, each reconciled while the describes still show the group as it was before the last ones.
      for (let b = 0; b < 5; b++) {
        await s.putMany(Array.from({ length: 10 }, (_, i) => `${P}/lag-tg/multiple/${iid(100 + b * 10 + i)}`));
        await new Promise((r) => setTimeout(r, 300));
      }
      await waitFor('50 members', async () => (await group('lag-tg')).targets.length === 50, 30_000);
      // Past the lag, so that any late re-registration would have happened.
      await new Promise((r) => setTimeout(r, 3000));
      const calls = await writes(since, 'lag-tg');
      const registered = calls.filter((c) => c.operation === 'RegisterTargets').flatMap((c) => c.members ?? []);
      assert.equal(registered.length, 50, `each member registered once (${registered.length} registrations)`);
      assert.equal(new Set(registered).size, 50);
      assert.deepEqual(
        calls.filter((c) => c.operation === 'DeregisterTargets'),
        [],
      );
    } finally {
      await setFaults(s.fake.url, { describeLagMs: 0 });
    }
  });
});
