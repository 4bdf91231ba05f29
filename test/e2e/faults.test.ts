import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CLI } from '../helpers/cli.js';
import type { FakeCall } from '../../src/fake-aws/server.js';
import { adminState, iid, startStack, waitReady, type Stack } from '../helpers/stack.js';
import { seededRandom, waitFor } from '../helpers/wait.js';

const P = '/lbManager';
const elbKey = (lb: string, id: string, cls = 'multiple'): string => `${P}/elb/us-east-1/${lb}/${cls}/${id}`;
const dnsKey = (zone: string, name: string, ip: string): string =>
  `${P}/route53/us-east-1/${zone}/${name}/multiple/${ip}`;
/** Runs the built CLI to its end. */
function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    ),
  );
}

const REGISTER = 'RegisterInstancesWithLoadBalancer';
const DEREGISTER = 'DeregisterInstancesFromLoadBalancer';

/** How many times each member appears in successful register calls, per load balancer. */
function registrations(calls: readonly FakeCall[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const c of calls) {
    if (c.operation !== REGISTER || c.outcome !== 'ok') continue;
    for (const m of c.members ?? []) n.set(`${c.target}/${m}`, (n.get(`${c.target}/${m}`) ?? 0) + 1);
  }
  return n;
}

async function withStack(opts: Parameters<typeof startStack>[0], body: (s: Stack) => Promise<void>): Promise<void> {
  const s = await startStack(opts);
  try {
    await body(s);
  } finally {
    await s.stop();
  }
}

describe('faults: keep working, lose nothing, never drain by accident', () => {
  test('1. with 30% throttling, 5% errors and 20 ms latency, 200 members converge exactly, none registered twice', async () => {
    const lbs = Array.from({ length: 10 }, (_, i) => `lb${i}`);
    const names = Array.from({ length: 5 }, (_, i) => `n${i}.ex.test`);
    await withStack(
      {
        lbs,
        zones: { ZFAULT: 'ex.test' },
        // Seeded: the first few calls already see both faults, however few calls the daemon needs.
        fake: { throttleRate: 0.3, errorRate: 0.05, latencyMs: 20, random: seededRandom(1) },
      },
      async (s) => {
        await s.daemon();
        const keys = [
          ...lbs.flatMap((lb, i) => Array.from({ length: 15 }, (_, j) => elbKey(lb, iid(i * 100 + j + 1)))),
          ...names.flatMap((n, i) => Array.from({ length: 10 }, (_, j) => dnsKey('ZFAULT', n, `10.${i}.0.${j + 1}`))),
        ];
        assert.equal(keys.length, 200);
        await s.putMany(keys);
        await waitFor(
          'every member in AWS',
          async () => {
            const st = await s.state();
            const elbOk = lbs.every(
              (lb, i) =>
                st.elb['us-east-1']?.[lb]?.instances.length === 15 &&
                st.elb['us-east-1']?.[lb]?.instances[0] === iid(i * 100 + 1),
            );
            const sets = st.route53.zones.ZFAULT?.recordSets.filter((r) => r.type === 'A') ?? [];
            return elbOk && sets.length === 5 && sets.every((r) => r.values.length === 10);
          },
          90_000,
        );
        const { calls } = await s.calls();
        assert.ok(
          calls.some((c) => c.outcome === 'Throttling') && calls.some((c) => c.outcome === 'InternalFailure'),
          'faults were injected',
        );
        const regs = registrations(calls);
        assert.equal(regs.size, 150);
        assert.ok(
          [...regs.values()].every((n) => n === 1),
          'no member registered twice',
        );
        assert.equal(calls.filter((c) => c.operation === DEREGISTER).length, 0, 'nothing removed');
        const deletes = calls.filter(
          (c) =>
            c.operation === 'ChangeResourceRecordSets' &&
            c.outcome === 'ok' &&
            (c.members ?? []).some((m) => m.startsWith('DELETE')),
        );
        assert.equal(deletes.length, 0);
      },
    );
  });

  test('2a. etcd killed with SIGKILL and restarted while the daemon runs, written to right after: converges', async () => {
    await withStack({ lbs: ['web'] }, async (s) => {
      await s.daemon();
      await s.putMany([elbKey('web', iid(1))]);
      await waitFor('first member', async () => (await s.members('web')).length === 1);
      await s.etcd.kill('SIGKILL');
      await s.etcd.restart();
      await s.putMany(Array.from({ length: 20 }, (_, i) => elbKey('web', iid(i + 2))));
      await s.client.delete().key(elbKey('web', iid(1)));
      await waitFor(
        'converged after the etcd restart',
        async () => {
          const m = await s.members('web');
          return m.length === 20 && !m.includes(iid(1));
        },
        60_000,
      );
    });
  });

  test('2b. the daemon frozen while 100 keys are written and the revision compacted, then resumed: converges', async () => {
    await withStack({ lbs: ['web'] }, async (s) => {
      const d = await s.daemon();
      await waitReady(d);
      d.proc.kill('SIGSTOP');
      try {
        await s.putMany(Array.from({ length: 100 }, (_, i) => elbKey('web', iid(i + 1))));
        const rev = (await s.client.kv.range({ key: Buffer.from('x') })).header.revision;
        await s.client.kv.compact({ revision: rev, physical: true });
      } finally {
        d.proc.kill('SIGCONT');
      }
      await waitFor('100 members after resuming', async () => (await s.members('web')).length === 100, 60_000);
    });
  });

  test('3. the daemon killed with SIGKILL in the middle of a 2,000-key burst and started again: converges, no duplicate registration', async () => {
    const lbs = Array.from({ length: 20 }, (_, i) => `b${i}`);
    await withStack({ lbs }, async (s) => {
      const d1 = await s.daemon();
      await waitReady(d1);
      const keys = lbs.flatMap((lb, i) => Array.from({ length: 100 }, (_, j) => elbKey(lb, iid(i * 1000 + j + 1))));
      await s.putMany(keys.slice(0, 1000));
      await waitFor('some registered', async () => (await s.calls()).calls.some((c) => c.operation === REGISTER));
      await d1.stop('SIGKILL');
      await s.putMany(keys.slice(1000));
      await s.daemon();
      await waitFor(
        'all 2,000 registered',
        async () => {
          const st = await s.state();
          return lbs.every((lb) => st.elb['us-east-1']?.[lb]?.instances.length === 100);
        },
        60_000,
      );
      const regs = registrations((await s.calls()).calls);
      assert.equal(regs.size, 2000);
      assert.ok(
        [...regs.values()].every((n) => n === 1),
        'no duplicate registration',
      );
    });
  });

  test('4. a missing load balancer and a terminated instance: the valid converge, offenders reported, the daemon keeps running', async () => {
    const dead = iid(3);
    await withStack({ lbs: ['web'], terminated: [dead] }, async (s) => {
      const d = await s.daemon();
      await s.putMany([...[1, 2, 3, 4, 5].map((n) => elbKey('web', iid(n))), elbKey('ghost', iid(9))]);
      await waitFor('valid members registered', async () => (await s.members('web')).length === 4);
      assert.ok(!(await s.members('web')).includes(dead));
      const st = await waitFor('offenders in /state', async () => {
        const x = await adminState(d);
        const web = x.targets.find((t) => t.id === 'elb/us-east-1/web');
        const ghost = x.targets.find((t) => t.id === 'elb/us-east-1/ghost');
        return web?.rejected.includes(dead) && ghost?.lastError?.code === 'LoadBalancerNotFound' ? x : undefined;
      });
      assert.ok(st);
      // One JSON line each; winston does not promise the order of the fields.
      await d.waitForOutput(new RegExp(`^(?=.*member rejected by AWS)(?=.*"member":"${dead}").*$`, 'm'));
      await d.waitForOutput(/^(?=.*reconcile failed)(?=.*LoadBalancerNotFound).*$/m);
      assert.equal(d.proc.exitCode, null, 'still running');
    });
  });

  test('5. 10,000 malformed keys among valid ones: the daemon survives, the valid converge, validate lists exactly the malformed', async () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)] as T;
    const junk = ['ü', '🙂', '\u0007', ' ', '..', '%2F', 'x'.repeat(3000), 'Ω≈ç', '[', ']', ':', '*'];
    // Each generator breaks exactly one rule, so every key it makes is malformed.
    const gens: Array<(i: number) => string> = [
      (i) => `${P}/elb/us-east-1/lb${i}/multiple`,
      (i) => `${P}/elb/us-east-1/lb${i}/multiple/${iid(i)}/${pick(junk)}`,
      (i) => `${P}/${pick(['elbx', 'ELB', 'alb', 'nlb', pick(junk)])}/us-east-1/lb/multiple/${iid(i)}`,
      (i) => `${P}/elb/${pick(['us_east_1', 'US-EAST-1', 'mars-1', pick(junk)])}/lb/multiple/${iid(i)}`,
      (i) => `${P}/elb/us-east-1/lb/${pick(['Single', 'many', 'all', pick(junk)])}/${iid(i)}`,
      (i) => `${P}/elb/us-east-1/lb/multiple/i-${i.toString(16)}${pick(junk)}`,
      (i) => `${P}/elb/us-east-1/${'n'.repeat(33 + rnd(2000))}/multiple/${iid(i)}`,
      (i) =>
        `${P}/route53/us-east-1/Z1/host${i}.ex.test/multiple/${pick(['300.1.1.1', '1.2.3', 'fe80::1%eth0', pick(junk)])}`,
      (i) => `${P}/route53/us-east-1/z${i}lower/host.ex.test/multiple/10.0.0.1`,
      (i) => `${P}/elbv2/us-east-1/tg/multiple/10.0.0.${i % 250}:${70000 + i}`,
      (i) => `${P}/${Array.from({ length: 1 + rnd(12) }, () => pick(junk)).join('/')}/${i}`,
    ];
    const malformed = new Set<string>();
    for (let i = 0; malformed.size < 10_000; i++) malformed.add((gens[rnd(gens.length)] as (i: number) => string)(i));
    const valid = Array.from({ length: 5 }, (_, l) =>
      Array.from({ length: 10 }, (_, j) => elbKey(`v${l}`, iid(l * 100 + j + 1))),
    ).flat();
    await withStack({ lbs: ['v0', 'v1', 'v2', 'v3', 'v4'] }, async (s) => {
      const d = await s.daemon();
      const all = [...malformed, ...valid].sort(() => rnd(3) - 1);
      for (let i = 0; i < all.length; i += 100) {
        const batch = all.slice(i, i + 100);
        // Large values on some keys: the daemon reads keys only, a value never matters.
        await s.client.kv.txn({
          compare: [],
          success: batch.map((k, j) => ({
            request_put: { key: Buffer.from(k), value: Buffer.from(j % 25 === 0 ? 'v'.repeat(8000) : '') },
          })),
          failure: [],
        });
      }
      await waitFor(
        'the valid targets converged',
        async () => {
          const st = await s.state();
          return [0, 1, 2, 3, 4].every((l) => st.elb['us-east-1']?.[`v${l}`]?.instances.length === 10);
        },
        60_000,
      );
      assert.equal(d.proc.exitCode, null, 'the daemon survived');
      const out = await new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile(
          process.execPath,
          [CLI, 'validate', '--etcd-endpoints', s.etcd.endpoint, '--output', 'json'],
          { maxBuffer: 256 * 1024 * 1024 },
          (err, stdout) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
        ),
      );
      assert.equal(out.code, 1, 'validate exits 1 when malformed keys exist');
      const report = JSON.parse(out.stdout) as { malformed: Array<{ key: string; reason: string }> };
      assert.equal(report.malformed.length, 10_000);
      assert.deepEqual(new Set(report.malformed.map((m) => m.key)), malformed);
      assert.ok(report.malformed.every((m) => m.reason.length > 0));
    });
  });

  test('6. a purge is held by the removal guard until confirmed; one load balancer of three is removed at once; upsert-only never removes', async () => {
    const lbs = ['a', 'b', 'c'];
    const keysOf = (lb: string): string[] => Array.from({ length: 10 }, (_, j) => elbKey(lb, iid(j + 1)));
    await withStack({ lbs }, async (s) => {
      const d = await s.daemon();
      await s.putMany(lbs.flatMap(keysOf));
      await waitFor('all registered', async () => (await s.state()).elb['us-east-1']?.c?.instances.length === 10);
      await waitReady(d);
      // One of three: applied at once.
      await s.client.delete().prefix(`${P}/elb/us-east-1/b/`);
      await waitFor('b drained', async () => (await s.members('b')).length === 0);
      await s.putMany(keysOf('b'));
      await waitFor('b back', async () => (await s.members('b')).length === 10);
      // A purge of everything: held.
      await s.etcd.etcdctl('del', '--prefix', `${P}/`);
      const held = await waitFor('the hold', async () =>
        (await adminState(d)).removalHold.held ? await adminState(d) : undefined,
      );
      assert.ok(held);
      assert.match(held.removalHold.reason ?? '', /removals held: 30 of 30/);
      const readyz = await fetch(`${d.adminUrl}/readyz`);
      assert.equal(readyz.status, 503);
      assert.match(await readyz.text(), /removals held/);
      for (const lb of lbs) assert.equal((await s.members(lb)).length, 10, `${lb} keeps its members`);
      await d.waitForOutput(/^(?=.*"level":"error")(?=.*removals held).*$/m);
      // Without an admin token, no HTTP request may confirm (any local process or browser page could): refused.
      const refused = await fetch(`${d.adminUrl}/resync?confirm-removal=true`, { method: 'POST' });
      assert.equal(refused.status, 403);
      assert.match(await refused.text(), /confirm-removal/);
      await new Promise((r) => setTimeout(r, 500));
      for (const lb of lbs) assert.equal((await s.members(lb)).length, 10, `${lb} still held`);
      // Confirmed through etcd, so etcd's access control decides who may: first one load balancer, then the rest.
      const one = await runCli(['confirm-removal', 'elb/us-east-1/a', '--etcd-endpoints', s.etcd.endpoint]);
      assert.equal(one.code, 0, one.out);
      assert.match(one.out, /The leader applied it/);
      await waitFor('a drained', async () => (await s.members('a')).length === 0);
      assert.equal((await s.members('b')).length, 10, 'b still held');
      assert.equal((await adminState(d)).removalHold.held, true);
      const all = await runCli(['confirm-removal', '--all', '--etcd-endpoints', s.etcd.endpoint]);
      assert.equal(all.code, 0, all.out);
      await waitFor('drained after confirmation', async () => {
        const st = await s.state();
        return lbs.every((lb) => st.elb['us-east-1']?.[lb]?.instances.length === 0);
      });
      assert.equal(
        await s.client.get('/_lbmanager/state/confirm-removal').string(),
        null,
        'the leader consumed the confirmation',
      );
    });
    await withStack({ lbs: ['u'] }, async (s) => {
      await s.daemon(['--policy', 'upsert-only']);
      await s.putMany(keysOf('u'));
      await waitFor('registered', async () => (await s.members('u')).length === 10);
      await s.client.delete().prefix(`${P}/`);
      await s.putMany([elbKey('u', iid(99))]);
      await waitFor('the new one added', async () => (await s.members('u')).includes(iid(99)));
      assert.equal((await s.members('u')).length, 11, 'upsert-only never removes');
      assert.equal((await s.calls()).calls.filter((c) => c.operation === DEREGISTER).length, 0);
    });
  });

  test('7. all keys of one load balancer deleted while the daemon is stopped: drained at the next start', async () => {
    const lbs = ['a', 'b', 'c'];
    await withStack({ lbs }, async (s) => {
      const d = await s.daemon();
      await s.putMany(lbs.flatMap((lb) => Array.from({ length: 10 }, (_, j) => elbKey(lb, iid(j + 1)))));
      await waitFor('registered', async () => {
        const st = await s.state();
        return lbs.every((lb) => st.elb['us-east-1']?.[lb]?.instances.length === 10);
      });
      await waitFor(
        'the state record holds b',
        async () => (await s.client.get('/_lbmanager/state/elb/us-east-1/b').string()) !== null,
      );
      assert.equal(await d.stop('SIGTERM'), 0);
      assert.equal((await s.members('b')).length, 10, 'stopping deregistered nothing');
      await s.client.delete().prefix(`${P}/elb/us-east-1/b/`);
      const d2 = await s.daemon();
      await waitFor('b drained at start', async () => (await s.members('b')).length === 0);
      assert.equal((await s.members('a')).length, 10);
      await d2.waitForOutput(/^(?=.*state record have no keys in the tree)(?=.*elb\/us-east-1\/b).*$/m);
      await waitFor(
        'b forgotten by the state record',
        async () => (await s.client.get('/_lbmanager/state/elb/us-east-1/b').string()) === null,
      );
    });
  });

  test('8. two daemons with election: only the leader calls AWS; after SIGKILL of the leader the standby applies new keys within 3 x the TTL', async () => {
    const ttl = 3;
    await withStack({ lbs: ['web'] }, async (s) => {
      const first = await s.daemon(['--election-ttl', String(ttl)], 'replica-one');
      await waitFor('replica-one leads', async () => (await adminState(first)).leader);
      const second = await s.daemon(['--election-ttl', String(ttl)], 'replica-two');
      await waitReady(second);
      assert.equal((await adminState(second)).leader, false);
      await s.putMany([1, 2, 3].map((n) => elbKey('web', iid(n))));
      await waitFor('registered', async () => (await s.members('web')).length === 3);
      await waitReady(first);
      const agents = new Set((await s.calls()).calls.map((c) => (/replica-\w+/.exec(c.userAgent) ?? ['?'])[0]));
      assert.deepEqual([...agents], ['replica-one'], 'only the leader called AWS');
      const before = (await s.calls()).total;
      await first.stop('SIGKILL');
      const killedAt = Date.now();
      await s.putMany([elbKey('web', iid(4))]);
      await waitFor(
        'the standby applied the new key',
        async () => (await s.members('web')).includes(iid(4)),
        3 * ttl * 1000,
      );
      assert.ok(Date.now() - killedAt <= 3 * ttl * 1000);
      const after = (await s.calls(before)).calls;
      assert.ok(
        after.length > 0 && after.every((c) => c.userAgent.includes('replica-two')),
        'the new leader made the calls',
      );
    });
  });

  test('9. a member deregistered by hand is registered again by the next resync', async () => {
    const interval = 2;
    const awsCli = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';
    await withStack({ lbs: ['web'] }, async (s) => {
      await s.daemon(['--resync-interval', String(interval)]);
      await s.putMany([elbKey('web', iid(1)), elbKey('web', iid(2))]);
      await waitFor('registered', async () => (await s.members('web')).length === 2);
      await new Promise<void>((resolve, reject) =>
        execFile(
          awsCli,
          [
            '--endpoint-url',
            s.fake.url,
            'elb',
            'deregister-instances-from-load-balancer',
            '--load-balancer-name',
            'web',
            '--instances',
            iid(1),
          ],
          {
            env: {
              ...process.env,
              AWS_ACCESS_KEY_ID: 'AKIDHAND',
              AWS_SECRET_ACCESS_KEY: 'x',
              AWS_DEFAULT_REGION: 'us-east-1',
              AWS_PAGER: '',
            },
          },
          (err, _o, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve()),
        ),
      );
      // Read from the call log, not the state: on a busy machine the next resync may already have repaired it.
      const { calls } = await s.calls();
      const byHand = calls.findIndex(
        (c) =>
          c.operation === 'DeregisterInstancesFromLoadBalancer' && /aws-cli/.test(c.userAgent) && c.outcome === 'ok',
      );
      assert.ok(byHand >= 0, 'deregistered by hand');
      await waitFor('registered again', async () => (await s.members('web')).includes(iid(1)), 30_000);
      const after = (await s.calls()).calls.slice(byHand + 1);
      assert.ok(
        after.some(
          (c) =>
            c.operation === 'RegisterInstancesWithLoadBalancer' &&
            c.members?.includes(iid(1)) &&
            /lbmanager/.test(c.userAgent),
        ),
        'lbmanager registered it again',
      );
    });
  });

  test('9b. SIGHUP and POST /resync repair drift at once; --prune-superseded deletes superseded keys', async () => {
    await withStack({ lbs: ['web'] }, async (s) => {
      const d = await s.daemon(['--resync-interval', '0', '--prune-superseded', '--http-token', 'tkn']);
      await s.putMany([elbKey('web', iid(1), 'single')]);
      await s.putMany([elbKey('web', iid(2), 'single')]);
      await waitFor(
        'the newest single member only',
        async () => JSON.stringify(await s.members('web')) === JSON.stringify([iid(2)]),
      );
      await waitFor(
        'the older single key pruned',
        async () => (await s.client.get(elbKey('web', iid(1), 'single')).string()) === null,
      );
      s.fake.state.elb.get('us-east-1')?.get('web')?.instances.clear();
      d.proc.kill('SIGHUP');
      await waitFor('SIGHUP repaired the drift', async () => (await s.members('web')).includes(iid(2)));
      s.fake.state.elb.get('us-east-1')?.get('web')?.instances.clear();
      const post = await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: { Authorization: 'Bearer tkn' } });
      assert.equal(post.status, 202);
      await waitFor('POST /resync repaired the drift', async () => (await s.members('web')).includes(iid(2)));
    });
  });
});
