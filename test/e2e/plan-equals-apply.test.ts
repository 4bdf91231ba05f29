import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCli } from '../helpers/cli.js';
import { adminState, iid, startStack, waitReady, type Stack } from '../helpers/stack.js';
import { endpointArgs } from '../../scripts/lib/harness.mjs';

// `lbmanager plan` and the daemon share one planner (reconcile/read-plan.ts); this test holds them to it from the
// outside: for a tree with every kind of change, the changes plan prints are exactly the writes the daemon then makes.

type PlanChange =
  | { kind: 'add' | 'remove'; member: string }
  | { kind: 'upsert' | 'delete'; set: { name: string; type: string; ttl: number; values: string[] } }
  | { kind: 'conflict'; type: string; with: string };

interface PlanJson {
  inSync: boolean;
  removals: { held: boolean };
  targets: Array<{ id: string; changes: PlanChange[]; error?: unknown }>;
}

const ZONE = 'ZEVERY';
const elb = (lb: string, cls: string, n: number): string => `/lbManager/elb/us-east-1/${lb}/${cls}/${iid(n)}`;
const tg = (name: string, member: string): string => `/lbManager/elbv2/us-east-1/${name}/multiple/${member}`;
const dns = (name: string, ip: string): string => `/lbManager/route53/us-east-1/${ZONE}/${name}/multiple/${ip}`;

async function plan(s: Stack): Promise<{ code: number | null; json: PlanJson; out: string }> {
  const p = startCli(
    ['plan', '--output', 'json', ...endpointArgs({ etcdEndpoint: s.etcd.endpoint, awsUrl: s.fake.url })],
    { LBM_LOG_LEVEL: 'error' },
  );
  const code = await p.exited;
  return { code, json: JSON.parse(p.stdout()) as PlanJson, out: p.output() };
}

/** A write as the fake's call log names it, in the same words for plan and for the daemon. */
function planWrites(json: PlanJson): string[] {
  return json.targets
    .flatMap((t) =>
      t.changes.flatMap((c): string[] => {
        const [kind, region, name] = t.id.split('/');
        if (c.kind === 'add' || c.kind === 'remove') {
          return [`${kind} ${region}/${name} ${c.kind === 'add' ? 'register' : 'deregister'} ${c.member}`];
        }
        if (c.kind === 'upsert' || c.kind === 'delete') {
          return [`route53 ${ZONE} ${c.kind === 'upsert' ? 'UPSERT' : 'DELETE'} ${c.set.name} ${c.set.type}`];
        }
        return [];
      }),
    )
    .sort();
}

const WRITE_VERBS: Record<string, string> = {
  RegisterInstancesWithLoadBalancer: 'register',
  DeregisterInstancesFromLoadBalancer: 'deregister',
  RegisterTargets: 'register',
  DeregisterTargets: 'deregister',
};

/**
 * The daemon's writes in the same words. During the first pass removals wait until every target has been read once,
 * so a record set that loses members is written twice: first with the additions only, then as planned. What counts is
 * the last write of each set, so a set appears once, with the action of its last write.
 */
async function daemonWrites(s: Stack, since: number): Promise<string[]> {
  const { calls } = await s.calls(since);
  const lastRecordWrite = new Map<string, string>();
  const memberWrites = calls
    .filter((c) => c.outcome === 'ok')
    .flatMap((c): string[] => {
      if (c.operation === 'ChangeResourceRecordSets') {
        for (const m of c.members ?? []) {
          const [action, ...set] = m.split(' ');
          lastRecordWrite.set(`${c.target} ${set.join(' ')}`, `route53 ${c.target} ${action} ${set.join(' ')}`);
        }
        return [];
      }
      const verb = WRITE_VERBS[c.operation];
      if (!verb) return [];
      // The fake logs a target with its port, where lbmanager leaves out the group's own (80 here), as
      // DescribeTargetHealth does not.
      return (c.members ?? []).map(
        (m) => `${c.service} ${c.region}/${c.target} ${verb} ${c.service === 'elbv2' ? m.replace(/:80$/, '') : m}`,
      );
    });
  return [...memberWrites, ...lastRecordWrite.values()].sort();
}

test('lbmanager plan prints exactly what the daemon then applies: add, remove, upsert, delete and conflict', async () => {
  const s = await startStack({
    lbs: ['web', 'solo'],
    tgs: { api: { port: 80, targetType: 'instance' } },
    zones: { [ZONE]: 'every.test' },
  });
  try {
    // What AWS has before: members the tree keeps, members it drops, a name whose A set changes and whose AAAA set
    // goes, and a CNAME at a name the tree also claims.
    s.fake.state.load({
      elb: { 'us-east-1': { web: { instances: [iid(1), iid(2)] }, solo: { instances: [iid(7)] } } },
      elbv2: {
        'us-east-1': {
          api: { port: 80, targetType: 'instance', targets: [{ id: iid(4) }, { id: iid(5) }] },
        },
      },
      route53: {
        zones: {
          [ZONE]: {
            name: 'every.test',
            recordSets: [
              { name: 'www.every.test', type: 'A', ttl: 60, values: ['192.0.2.1', '192.0.2.2'] },
              { name: 'www.every.test', type: 'AAAA', ttl: 60, values: ['2001:db8::1'] },
              { name: 'cn.every.test', type: 'CNAME', ttl: 300, values: ['elsewhere.example.'] },
            ],
          },
        },
      },
    });
    await s.putMany([
      elb('web', 'multiple', 2),
      elb('web', 'multiple', 3),
      tg('api', iid(5)),
      tg('api', `${iid(6)}:8080`),
      dns('www.every.test', '192.0.2.1'),
      dns('www.every.test', '192.0.2.3'),
      dns('new.every.test', '192.0.2.9'),
      dns('cn.every.test', '192.0.2.10'),
    ]);
    // A single switch: the newer key wins, so i-7 goes and i-8 comes.
    await s.client.put(elb('solo', 'single', 7)).value('');
    await s.client.put(elb('solo', 'single', 8)).value('');

    const before = await plan(s);
    assert.equal(before.code, 2, before.out);
    assert.equal(before.json.removals.held, false);
    assert.deepEqual(
      before.json.targets.filter((t) => t.error),
      [],
    );
    const kinds = new Set(before.json.targets.flatMap((t) => t.changes.map((c) => c.kind)));
    assert.deepEqual([...kinds].sort(), ['add', 'conflict', 'delete', 'remove', 'upsert'], 'every kind of change');
    const planned = planWrites(before.json);
    assert.deepEqual(planned, [
      `elb us-east-1/solo deregister ${iid(7)}`,
      `elb us-east-1/solo register ${iid(8)}`,
      `elb us-east-1/web deregister ${iid(1)}`,
      `elb us-east-1/web register ${iid(3)}`,
      // The group's own port is left out, as AWS's describe gives it back.
      `elbv2 us-east-1/api deregister ${iid(4)}`,
      `elbv2 us-east-1/api register ${iid(6)}:8080`,
      `route53 ${ZONE} DELETE www.every.test AAAA`,
      `route53 ${ZONE} UPSERT new.every.test A`,
      `route53 ${ZONE} UPSERT www.every.test A`,
    ]);

    const since = (await s.calls()).total;
    const d = await s.daemon(['--no-leader-election']);
    await waitReady(d);
    assert.deepEqual(await daemonWrites(s, since), planned, 'the daemon wrote what plan printed, and nothing else');

    // The sets written carry the values and TTL plan printed; the conflict is the one plan named.
    const zone = (await s.state()).route53.zones[ZONE];
    for (const c of before.json.targets.flatMap((t) => t.changes)) {
      if (c.kind !== 'upsert') continue;
      const set = zone?.recordSets.find((r) => r.name === c.set.name && r.type === c.set.type);
      assert.deepEqual([set?.values.slice().sort(), set?.ttl], [c.set.values.slice().sort(), c.set.ttl]);
    }
    const conflicts = (await adminState(d)).targets.filter((t) => (t.conflicts ?? []).length > 0);
    assert.deepEqual(
      conflicts.map((t) => [t.id, t.conflicts]),
      before.json.targets
        .filter((t) => t.changes.some((c) => c.kind === 'conflict'))
        .map((t) => [
          t.id,
          t.changes.filter((c) => c.kind === 'conflict').map((c) => ({ type: c.type, with: c.with })),
        ]),
    );
    assert.deepEqual(
      zone?.recordSets.filter((r) => r.name === 'cn.every.test').map((r) => [r.type, r.values]),
      [['CNAME', ['elsewhere.example.']]],
    );

    const after = await plan(s);
    assert.equal(after.code, 0, after.out);
    assert.deepEqual(planWrites(after.json), []);
  } finally {
    await s.stop();
  }
});
