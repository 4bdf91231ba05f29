import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCli } from '../helpers/cli.js';
import { iid, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { endpointArgs } from '../../scripts/lib/harness.mjs';

const WRITES = new Set([
  'RegisterInstancesWithLoadBalancer',
  'DeregisterInstancesFromLoadBalancer',
  'RegisterTargets',
  'DeregisterTargets',
  'ChangeResourceRecordSets',
]);
const elbKey = (lb: string, n: number): string => `/lbManager/elb/us-east-1/${lb}/multiple/${iid(n)}`;
const dnsKey = (ip: string): string => `/lbManager/route53/us-east-1/ZPLAN/www.plan.test/multiple/${ip}`;

interface PlanJson {
  inSync: boolean;
  targets: Array<{
    id: string;
    register: string[];
    deregister: string[];
    changed: boolean;
    recordChanges: Array<{ action: string; type: string; values: string[] }>;
    error?: { code: string };
  }>;
}

describe('lbmanager plan and --dry-run', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ lbs: ['web', 'api'], zones: { ZPLAN: 'plan.test' } });
    // AWS already has what the tree will say, plus one extra member and an old address.
    s.fake.state.load({
      elb: { 'us-east-1': { web: { instances: [iid(1), iid(2), iid(9)] }, api: { instances: [iid(5)] } } },
      route53: {
        zones: {
          ZPLAN: {
            name: 'plan.test',
            recordSets: [{ name: 'www.plan.test', type: 'A', ttl: 60, values: ['192.0.2.1', '192.0.2.2'] }],
          },
        },
      },
    });
    await s.putMany([elbKey('web', 1), elbKey('web', 2), elbKey('web', 9), elbKey('api', 5)]);
    await s.putMany([dnsKey('192.0.2.1'), dnsKey('192.0.2.2')]);
  });
  after(async () => {
    await s.stop();
  });

  const plan = async (...args: string[]): Promise<{ code: number | null; out: string; stdout: string }> => {
    const p = startCli(['plan', ...endpointArgs({ etcdEndpoint: s.etcd.endpoint, awsUrl: s.fake.url }), ...args], {
      LBM_LOG_LEVEL: 'error',
    });
    const code = await p.exited;
    return { code, out: p.output(), stdout: p.stdout() };
  };
  const writeCalls = async (since: number): Promise<string[]> =>
    (await s.calls(since)).calls.filter((c) => WRITES.has(c.operation)).map((c) => c.operation);

  test('in sync: exit 0, no changes listed', async () => {
    const r = await plan();
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /In sync: 3 targets/);
    assert.doesNotMatch(r.out, /^\s+[-+~]/m);
  });

  test('changes pending: exit 2, exactly the pending changes listed, and nothing written', async () => {
    const before = (await s.calls()).total;
    await s.client.delete().key(elbKey('web', 9));
    await s.client.put(elbKey('web', 3)).value('');
    await s.client.delete().key(dnsKey('192.0.2.2'));
    await s.client.put(dnsKey('2001:db8::7')).value('');
    const text = await plan();
    assert.equal(text.code, 2, text.out);
    const changeLines = text.out.split('\n').filter((l) => /^\s+[-+~]/.test(l));
    assert.deepEqual(changeLines, [
      `  + ${iid(3)}`,
      `  - ${iid(9)}`,
      '  ~ UPSERT A 192.0.2.1 (ttl 60)',
      '  ~ UPSERT AAAA 2001:db8::7 (ttl 60)',
    ]);
    assert.match(text.out, /2 of 3 targets would change/);

    const json = await plan('--output', 'json');
    assert.equal(json.code, 2);
    const parsed = JSON.parse(json.stdout) as PlanJson;
    assert.equal(parsed.inSync, false);
    const changed = parsed.targets.filter((t) => t.changed);
    assert.deepEqual(
      changed.map((t) => [t.id, t.register, t.deregister]),
      [
        ['elb/us-east-1/web', [iid(3)], [iid(9)]],
        ['route53/ZPLAN/www.plan.test', ['2001:db8::7'], ['192.0.2.2']],
      ],
    );
    assert.deepEqual(
      changed[1]?.recordChanges.map((c) => [c.action, c.type, c.values]),
      [
        ['UPSERT', 'A', ['192.0.2.1']],
        ['UPSERT', 'AAAA', ['2001:db8::7']],
      ],
    );
    assert.deepEqual(await writeCalls(before), [], 'plan only reads');
    assert.deepEqual(await s.members('web'), [iid(1), iid(2), iid(9)]);
  });

  test('--dry-run: the daemon logs the same changes and makes no write call', async () => {
    const before = (await s.calls()).total;
    const d = await s.daemon(['--dry-run', '--no-leader-election']);
    // JSON log lines, keys in alphabetical order.
    await d.waitForOutput(
      new RegExp(
        `"added":\\["${iid(3)}"\\][^\n]*"membership change \\(dry run, not applied\\)","removed":\\["${iid(9)}"\\]`,
      ),
    );
    await d.waitForOutput(/"action":"upsert aaaa"[^\n]*"record set change \(dry run, not applied\)"/);
    await waitFor('dry-run reconcile finished', async () => (await fetch(`${d.adminUrl}/readyz`)).ok);
    await d.stop();
    assert.deepEqual(await writeCalls(before), []);
    assert.deepEqual(await s.members('web'), [iid(1), iid(2), iid(9)]);
  });

  test('errors: a missing load balancer or an unreachable etcd exit 1 with the reason', async () => {
    await s.client.put(elbKey('gone', 1)).value('');
    const r = await plan();
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /elb\/us-east-1\/gone[^\n]*\n\s+! cannot read: LoadBalancerNotFound/);
    assert.match(r.out, /1 could not be read/);
    await s.client.delete().key(elbKey('gone', 1));
    const noEtcd = startCli(['plan', '--etcd-endpoints', 'http://127.0.0.1:1'], { LBM_LOG_LEVEL: 'error' });
    assert.equal(await noEtcd.exited, 1);
    assert.match(noEtcd.output(), /lbmanager plan: /);
  });
});
