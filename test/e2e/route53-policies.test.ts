// Weighted and multivalue names with the built CLI, etcd and the fake: call counts of bursts, Route53's 100 weighted
// sets, and what plan, validate, /state and /metrics show. The flows themselves, on the fake and on moto through
// etcdctl and the AWS CLI: test/conformance/scenarios.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCli } from '../helpers/cli.js';
import { parsePrometheusText, value } from '../helpers/prometheus.js';
import { adminState, startStack, waitReady, type Stack, type StackDaemon } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const ZONE = 'ZPOLICY';
const key = (name: string, cls: string, ip: string): string =>
  `/lbManager/route53/us-east-1/${ZONE}/${name}.policy.test/${cls}/${ip}`;
const ip = (n: number, i: number): string => `10.${n}.${i >> 8}.${i & 255}`;

describe('weighted and multivalue names with the built CLI', () => {
  let s: Stack;
  let d: StackDaemon;
  before(async () => {
    // Route53's buckets off: the counts below are about batching, not about the fake's throttling.
    s = await startStack({ zones: { [ZONE]: 'policy.test' }, fake: { route53Rps: 0 } });
  });
  after(async () => {
    await s.stop();
  });

  /** Puts keys with their values in one etcd transaction: one revision, one watch response. */
  const putTogether = (kvs: ReadonlyArray<readonly [string, string]>) =>
    s.client.kv.txn({
      compare: [],
      success: kvs.map(([k, v]) => ({ request_put: { key: Buffer.from(k), value: Buffer.from(v) } })),
      failure: [],
    });
  const changeCalls = async (since: number) =>
    (await s.calls(since)).calls.filter((c) => c.operation === 'ChangeResourceRecordSets');
  const weightedSets = async (name: string) =>
    ((await s.state()).route53.zones[ZONE]?.recordSets ?? [])
      .map((r) => r as typeof r & { setIdentifier?: string; weight?: number })
      .filter((r) => r.name === `${name}.policy.test` && r.weight !== undefined);

  test('a burst of weighted members is batched: one request per zone and pass, split only at AWS limits', async () => {
    // 10 names x 60 weighted members, already in the tree at start: 600 UPSERTs count 1,200 records, over the 1,000
    // of one request, so the first pass needs two, each holding whole names.
    await s.putMany(
      Array.from({ length: 10 }, (_, n) =>
        Array.from({ length: 60 }, (_, i) => key(`n${n}`, 'weighted', ip(n, i))),
      ).flat(),
      '7',
    );
    d = await s.daemon(['--no-leader-election']);
    assert.ok(await waitReady(d, 60_000));
    const first = await changeCalls(0);
    assert.equal(first.length, 2, 'two requests for 1,200 records');
    for (const c of first) {
      assert.ok(
        c.outcome === 'ok' && (c.members?.length ?? 0) * 2 <= 1000,
        `${c.members?.length} changes in one request`,
      );
    }
    assert.equal((await weightedSets('n9')).length, 60);
    // With the daemon running: 60 weights rewritten and 40 new members of another name in one transaction.
    const since = (await s.calls()).total;
    await putTogether([
      ...Array.from({ length: 60 }, (_, i) => [key('n0', 'weighted', ip(0, i)), String(i)] as const),
      ...Array.from({ length: 40 }, (_, i) => [key('n10', 'weighted', ip(10, i)), ''] as const),
    ]);
    await waitFor('both names written', async () => {
      const n0 = await weightedSets('n0');
      return (
        n0.every((x) => x.weight === Number(x.setIdentifier?.split('.')[3])) &&
        (await weightedSets('n10')).length === 40
      );
    });
    const burst = await changeCalls(since);
    assert.equal(burst.length, 1, 'one request for the burst');
    assert.equal(burst[0]?.members?.length, 99, 'one weight was rewritten with the value it had');
  });

  test('150 weighted members at a name: Route53 takes 100, those are written, the other 50 reported, no request refused', async () => {
    const since = (await s.calls()).total;
    await s.putMany(Array.from({ length: 150 }, (_, i) => key('big', 'weighted', ip(20, i))));
    const big = await waitFor('100 written, 50 reported', async () => {
      const st = (await adminState(d)).targets.find((t) => t.id === `route53/${ZONE}/big.policy.test`);
      return st && st.rejected.length === 50 && st.actual?.length === 100 ? st : undefined;
    });
    assert.equal((await weightedSets('big')).length, 100);
    const written = (await weightedSets('big')).flatMap((x) => x.values);
    assert.deepEqual(
      [...written, ...(big?.rejected ?? [])].sort(),
      Array.from({ length: 150 }, (_, i) => ip(20, i)).sort(),
      'every member is either written or reported',
    );
    assert.equal(big?.lastError, null, 'members over the limit are not an error of the name');
    await d.waitForOutput(/members not written: Route53's limit of weighted sets/);
    const refused = (await changeCalls(since)).filter((c) => c.outcome !== 'ok');
    assert.deepEqual(refused, [], 'nothing is sent that Route53 would refuse');
  });

  test('plan, validate, /state and /metrics show the routing policies', async () => {
    await s.client.put(key('mv', 'multivalue', '192.0.2.10')).value('');
    await s.client.put(key('w', 'weighted', '192.0.2.1')).value('10');
    await s.client.put(key('w', 'weighted', '2001:db8::1')).value('');
    await s.client.put(key('bad', 'weighted', '192.0.2.2')).value('heavy');
    const st = await waitFor('written', async () => {
      const t = (await adminState(d)).targets.find((x) => x.id === `route53/${ZONE}/w.policy.test`) as
        { activeClass: string; weights?: Record<string, number>; actual: string[] | null } | undefined;
      return t?.actual?.length === 2 ? t : undefined;
    });
    assert.deepEqual([st?.activeClass, st?.weights], ['weighted', { '192.0.2.1': 10, '2001:db8::1': 1 }]);
    const m = parsePrometheusText(await (await fetch(`${d.adminUrl}/metrics`)).text());
    assert.equal(value(m, 'lbmanager_targets_by_class', { kind: 'route53', class: 'multivalue' }), 1);
    assert.equal(value(m, 'lbmanager_targets_by_class', { kind: 'route53', class: 'weighted' }), 13);
    assert.equal(value(m, 'lbmanager_malformed_keys', {}), 1);
    const cli = async (...args: string[]) => {
      const p = startCli([...args, '--etcd-endpoints', s.etcd.endpoint], {
        LBM_LOG_LEVEL: 'error',
        LBM_ELB_ENDPOINT: s.fake.url,
        LBM_ELBV2_ENDPOINT: s.fake.url,
        LBM_ROUTE53_ENDPOINT: s.fake.url,
      });
      return { code: await p.exited, out: p.stdout(), all: p.output() };
    };
    const validate = await cli('validate');
    assert.equal(validate.code, 1);
    assert.match(validate.out, /w\.policy\.test|bad\.policy\.test\/weighted\/192\.0\.2\.2"\tbad weight "heavy"/);
    // Stopped, the daemon cannot apply the next change before plan sees it.
    await d.stop();
    await s.client.put(key('w', 'weighted', '192.0.2.1')).value('20');
    await s.client.put(key('mv', 'multiple', '192.0.2.11')).value('');
    const text = await cli('plan');
    assert.equal(text.code, 2, text.all);
    assert.match(
      text.out,
      /route53\/ZPOLICY\/w\.policy\.test \(route53, weighted\)\n {2}~ UPSERT A 192\.0\.2\.1 weight 20 \(ttl 60, set lbm:192\.0\.2\.1\)\n/,
    );
    assert.match(
      text.out,
      /route53\/ZPOLICY\/mv\.policy\.test \(route53, multiple\)\n {2}- DELETE A 192\.0\.2\.10 multivalue \(ttl 60, set lbm:192\.0\.2\.10\)\n {2}~ UPSERT A 192\.0\.2\.11 \(ttl 60\)\n/,
    );
    const json = JSON.parse((await cli('plan', '--output', 'json')).out) as {
      targets: Array<{
        id: string;
        weights?: Record<string, number>;
        recordChanges: Array<{ action: string; setIdentifier?: string; weight?: number; multiValueAnswer?: boolean }>;
      }>;
    };
    const w = json.targets.find((t) => t.id === `route53/${ZONE}/w.policy.test`);
    assert.deepEqual(w?.weights, { '192.0.2.1': 20, '2001:db8::1': 1 });
    assert.deepEqual(
      w?.recordChanges.map((c) => [c.action, c.setIdentifier, c.weight]),
      [['UPSERT', 'lbm:192.0.2.1', 20]],
    );
    const mv = json.targets.find((t) => t.id === `route53/${ZONE}/mv.policy.test`);
    assert.deepEqual(
      mv?.recordChanges.map((c) => [c.action, c.setIdentifier ?? null, c.multiValueAnswer ?? false]),
      [
        ['DELETE', 'lbm:192.0.2.10', true],
        ['UPSERT', null, false],
      ],
    );
  });
});
