import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runAws } from '../helpers/aws-cli.js';
import { startCli } from '../helpers/cli.js';
import { parsePrometheusText, value } from '../helpers/prometheus.js';
import { adminState, iid, startStack, waitReady, type Stack, type StackDaemon } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const P = '/lbManager/elbv2/us-east-1';
const I = iid;

describe('ELBv2 target groups end to end (real etcd, fake endpoint, built CLI)', () => {
  let s: Stack;
  let d: StackDaemon;
  before(async () => {
    s = await startStack({
      tgs: {
        'inst-tg': { port: 80, targetType: 'instance' },
        'ip-tg': { port: 443, targetType: 'ip' },
        // "All IP addresses within a target group must have the same IP address type": IPv6 targets need their own.
        'ip6-tg': { port: 443, targetType: 'ip', ipAddressType: 'ipv6', vpcId: 'vpc-dual' },
        'single-tg': { port: 80, targetType: 'instance' },
      },
      terminated: [I(0xdead)],
      vpcs: { 'vpc-dual': ['10.0.0.0/16', '2001:db8::/56'] },
    });
    d = await s.daemon(['--http-token', 'tg-token']);
    await waitReady(d);
  });
  after(async () => {
    await s.stop();
  });

  test('instance targets and IP targets, with and without ports, are registered and removed', async () => {
    await s.putMany([
      `${P}/inst-tg/multiple/${I(1)}`,
      `${P}/inst-tg/multiple/${I(2)}:8080`,
      `${P}/ip-tg/multiple/10.0.0.5:8443`,
      `${P}/ip-tg/multiple/10.0.0.6`,
      `${P}/ip6-tg/multiple/[2001:db8::5]:8443`,
      `${P}/ip6-tg/multiple/2001:db8::6`,
    ]);
    await waitFor('instance targets', async () => (await s.targets('inst-tg')).join() === `${I(1)}:80,${I(2)}:8080`);
    await waitFor('IP targets', async () => (await s.targets('ip-tg')).join() === '10.0.0.5:8443,10.0.0.6:443');
    await waitFor(
      'IPv6 targets',
      async () => (await s.targets('ip6-tg')).join() === '2001:db8::5:8443,2001:db8::6:443',
    );
    await s.client.delete().key(`${P}/inst-tg/multiple/${I(1)}`);
    await s.client.delete().key(`${P}/ip6-tg/multiple/[2001:db8::5]:8443`);
    await waitFor('instance target removed', async () => (await s.targets('inst-tg')).join() === `${I(2)}:8080`);
    await waitFor('IPv6 target removed', async () => (await s.targets('ip6-tg')).join() === '2001:db8::6:443');
  });

  test('a key naming the group port is the same member as one naming none: no churn on resync', async () => {
    await s.client.put(`${P}/inst-tg/multiple/${I(40)}:80`).value('');
    await waitFor('registered', async () => (await s.targets('inst-tg')).includes(`${I(40)}:80`));
    const lastSync = async () =>
      (await adminState(d)).targets.find((x) => x.id === 'elbv2/us-east-1/inst-tg')?.lastSync;
    const before = await lastSync();
    const since = (await s.calls()).total;
    const post = await fetch(`${d.adminUrl}/resync`, { method: 'POST', headers: { Authorization: 'Bearer tg-token' } });
    assert.equal(post.status, 202);
    await waitFor('the resync reconciled the group', async () => (await lastSync()) !== before);
    const writes = (await s.calls(since)).calls.filter((c) => /^(Register|Deregister)Targets$/.test(c.operation));
    assert.deepEqual(writes, [], 'nothing registered or deregistered again');
    const st = (await adminState(d)).targets.find((x) => x.id === 'elbv2/us-east-1/inst-tg');
    assert.ok(st?.desired.includes(I(40)) && st.actual?.includes(I(40)), 'shown without the default port');
  });

  test('a single switch registers the new target before it deregisters the old one', async () => {
    await s.client.put(`${P}/single-tg/single/${I(10)}`).value('');
    await waitFor('first', async () => (await s.targets('single-tg')).join() === `${I(10)}:80`);
    const since = (await s.calls()).total;
    await s.client.put(`${P}/single-tg/single/${I(11)}`).value('');
    await waitFor('switched', async () => (await s.targets('single-tg')).join() === `${I(11)}:80`);
    const writes = (await s.calls(since)).calls
      .filter((c) => c.target === 'single-tg' && /^(Register|Deregister)Targets$/.test(c.operation))
      .map((c) => `${c.operation} ${(c.members ?? []).join()}`);
    assert.deepEqual(writes, [`RegisterTargets ${I(11)}:80`, `DeregisterTargets ${I(10)}:80`]);
  });

  test('a missing group is reported and retried while the others converge; created, it converges too', async () => {
    await s.client.put(`${P}/late-tg/multiple/${I(20)}`).value('');
    await s.client.put(`${P}/inst-tg/multiple/${I(21)}`).value('');
    await waitFor('the other group converges', async () => (await s.targets('inst-tg')).includes(`${I(21)}:80`));
    await waitFor('the missing group is reported', async () => {
      const t = (await adminState(d)).targets.find((x) => x.id === 'elbv2/us-east-1/late-tg');
      return t?.lastError?.code === 'TargetGroupNotFound';
    });
    const created = await runAws(
      s.fake.url,
      'elbv2',
      'create-target-group',
      '--name',
      'late-tg',
      '--protocol',
      'HTTP',
      '--port',
      '80',
      '--vpc-id',
      'vpc-1',
    );
    assert.equal(created.code, 0, created.stderr);
    await waitFor('retried and converged', async () => (await s.targets('late-tg')).join() === `${I(20)}:80`, 30_000);
  });

  test('an invalid target among valid ones is isolated: the valid are registered, the invalid reported', async () => {
    const ids = [I(30), I(31), I(0xdead), I(32)];
    await s.putMany(ids.map((id) => `${P}/inst-tg/multiple/${id}`));
    await waitFor('valid registered', async () => {
      const t = await s.targets('inst-tg');
      return [I(30), I(31), I(32)].every((id) => t.includes(`${id}:80`));
    });
    assert.ok(!(await s.targets('inst-tg')).includes(`${I(0xdead)}:80`));
    await waitFor('rejected in /state', async () => {
      const t = (await adminState(d)).targets.find((x) => x.id === 'elbv2/us-east-1/inst-tg');
      return t?.rejected.includes(I(0xdead));
    });
  });

  test('aws elbv2 describe-target-health shows the membership the daemon reports in /state', async () => {
    await waitFor('settled', async () => (await adminState(d)).targets.every((t) => t.lastError === null));
    for (const name of ['inst-tg', 'ip-tg', 'ip6-tg', 'late-tg']) {
      const groups = await runAws(s.fake.url, 'elbv2', 'describe-target-groups', '--names', name);
      assert.equal(groups.code, 0, groups.stderr);
      const g = (JSON.parse(groups.stdout) as { TargetGroups: Array<{ TargetGroupArn: string; Port: number }> })
        .TargetGroups[0];
      assert.ok(g);
      const health = await runAws(
        s.fake.url,
        'elbv2',
        'describe-target-health',
        '--target-group-arn',
        g.TargetGroupArn,
      );
      assert.equal(health.code, 0, health.stderr);
      const fromCli = (
        JSON.parse(health.stdout) as { TargetHealthDescriptions: Array<{ Target: { Id: string; Port: number } }> }
      ).TargetHealthDescriptions.map((t) => `${t.Target.Id}/${t.Target.Port}`).sort();
      const st = (await adminState(d)).targets.find((x) => x.id === `elbv2/us-east-1/${name}`);
      // /state leaves the group's port out, as keys usually do.
      const fromState = (st?.actual ?? [])
        .map((m) => {
          const v6 = /^\[(.+)\]:(\d+)$/.exec(m);
          if (v6) return `${v6[1]}/${v6[2]}`;
          const idx = m.lastIndexOf(':');
          return idx > 0 && m.indexOf(':') === idx ? `${m.slice(0, idx)}/${m.slice(idx + 1)}` : `${m}/${g.Port}`;
        })
        .sort();
      assert.ok(fromCli.length > 0, `${name} has targets`);
      assert.deepEqual(fromCli, fromState, name);
    }
  });

  test('plan, validate and metrics cover target groups', async () => {
    const cli = async (...args: string[]) => {
      const p = startCli([...args, '--etcd-endpoints', s.etcd.endpoint, '--log-level', 'error'], {
        LBM_ELBV2_ENDPOINT: s.fake.url,
        LBM_ELB_ENDPOINT: s.fake.url,
        LBM_ROUTE53_ENDPOINT: s.fake.url,
      });
      return { code: await p.exited, out: p.stdout(), all: p.output() };
    };
    // The invalid target stays rejected by AWS, so plan still wants it: take its key away first.
    await s.client.delete().key(`${P}/inst-tg/multiple/${I(0xdead)}`);
    await waitFor('settled', async () => (await cli('plan')).code === 0);
    const m = parsePrometheusText(await (await fetch(`${d.adminUrl}/metrics`)).text());
    assert.ok(value(m, 'lbmanager_actual_members', { kind: 'elbv2' }) >= 5);
    assert.ok(
      value(m, 'lbmanager_aws_calls_total', { service: 'elbv2', operation: 'RegisterTargets', outcome: 'ok' }) >= 1,
    );
    assert.ok(value(m, 'lbmanager_aws_calls_total', { service: 'elbv2', outcome: 'InvalidTarget' }) >= 1);
    // Stopped, the daemon cannot apply the next change before plan sees it.
    await d.stop();
    await s.client.put(`${P}/ip-tg/multiple/10.0.0.7:9000`).value('');
    await s.client.put(`${P}/ip-tg/multiple/10.0.0.8:99999`).value('');
    const pending = await cli('plan');
    assert.equal(pending.code, 2, pending.all);
    assert.match(pending.out, /elbv2\/us-east-1\/ip-tg \(elbv2, multiple\)\n {2}\+ 10\.0\.0\.7:9000\n/);
    const validate = await cli('validate');
    assert.equal(validate.code, 1);
    assert.match(validate.out, /10\.0\.0\.8:99999"\tbad target "10\.0\.0\.8:99999" \(port must be 1-65535\)/);
  });
});
