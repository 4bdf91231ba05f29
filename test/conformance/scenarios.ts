import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import type { AwsBackend } from '../helpers/aws-backend.js';
import { runAws } from '../helpers/aws-cli.js';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { parsePrometheusText, value } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

const R = 'us-east-1';
const WRITES = ['RegisterInstancesWithLoadBalancer', 'DeregisterInstancesFromLoadBalancer', 'RegisterTargets'];
const ALL_WRITES = [...WRITES, 'DeregisterTargets', 'ChangeResourceRecordSets'];

/** Counts what every run of the scenarios did, printed by `npm run test:moto`. */
export const tally = { scenarios: 0, operations: new Map<string, number>() };

interface Daemon extends CliProcess {
  readonly admin: string;
}

/** The end-to-end scenarios every AWS endpoint must pass: the original tool's flows and what users rely on. */
export function defineScenarios(name: string, startBackend: () => Promise<AwsBackend>): void {
  describe(`end-to-end scenarios against ${name}`, () => {
    let aws: AwsBackend;
    let etcd: EtcdServer;
    let client: Etcd3;
    const daemons: Daemon[] = [];

    before(async () => {
      [aws, etcd] = await Promise.all([startBackend(), startEtcd()]);
      client = new Etcd3({ hosts: [etcd.endpoint] });
    });
    after(async () => {
      for (const d of daemons) await d.stop('SIGKILL');
      client.close();
      await Promise.all([aws.stop(), etcd.stop()]);
    });

    // Each scenario has its own tree and state prefix, so one etcd and one endpoint serve them all.
    const daemon = async (prefix: string, extra: string[] = []): Promise<Daemon> => {
      const p = startCli([
        'run',
        '--etcd-endpoints',
        etcd.endpoint,
        '--prefix',
        prefix,
        '--state-prefix',
        `/_conformance${prefix}/state/`,
        '--elb-endpoint',
        aws.url,
        '--elbv2-endpoint',
        aws.url,
        '--route53-endpoint',
        aws.url,
        '--http-listen',
        '127.0.0.1:0',
        '--no-leader-election',
        ...extra,
      ]);
      const m = await p.waitForOutput(/admin endpoint listening[^\n]*"url":"([^"]+)"/);
      const d = Object.assign(p, { admin: m[1] ?? '' });
      daemons.push(d);
      await waitFor('ready', async () => (await fetch(`${d.admin}/readyz`)).ok, 60_000);
      return d;
    };
    const calls = async (d: Daemon, operations: readonly string[]): Promise<number> => {
      const samples = parsePrometheusText(await (await fetch(`${d.admin}/metrics`)).text());
      return operations.reduce((n, operation) => n + value(samples, 'lbmanager_aws_calls_total', { operation }), 0);
    };
    const stop = async (d: Daemon): Promise<void> => {
      const samples = parsePrometheusText(await (await fetch(`${d.admin}/metrics`)).text());
      for (const s of samples) {
        if (s.name !== 'lbmanager_aws_calls_total') continue;
        const op = s.labels.operation ?? '?';
        tally.operations.set(op, (tally.operations.get(op) ?? 0) + s.value);
      }
      assert.equal(await d.stop('SIGTERM'), 0);
    };
    const state = async (d: Daemon): Promise<{ targets: Array<{ id: string; lastError: { code: string } | null }> }> =>
      (await (await fetch(`${d.admin}/state`)).json()) as never;
    const put = (key: string): Promise<unknown> => client.put(key).value('').exec();
    const del = (key: string): Promise<unknown> => client.delete().key(key).exec();
    const scenario = (title: string, body: () => Promise<void>): void => {
      test(title, async () => {
        tally.scenarios++;
        await body();
      });
    };

    scenario(
      'the original flows on a load balancer: multiple, a single switch and its rollback, the last member leaving',
      async () => {
        const P = '/s1';
        await aws.createLoadBalancer(R, 'web');
        const [i1, i2, i3, i4, i5] = await aws.instances(R, 5);
        const key = (cls: string, id = ''): string => `${P}/elb/${R}/web/${cls}/${id}`;
        const d = await daemon(P);
        for (const i of [i1, i2, i3]) await put(key('multiple', i));
        await waitFor('three members', async () => (await aws.members(R, 'web')).length === 3);
        await del(key('multiple', i2));
        await waitFor('i2 gone', async () => (await aws.members(R, 'web')).join() === [i1, i3].sort().join());
        await put(key('single', i4));
        await waitFor('single: only i4', async () => (await aws.members(R, 'web')).join() === i4);
        await put(key('single', i5));
        await waitFor('switched to i5', async () => (await aws.members(R, 'web')).join() === i5);
        await put(key('single', i4));
        await waitFor('rolled back to i4', async () => (await aws.members(R, 'web')).join() === i4);
        await client.delete().prefix(`${P}/`).exec();
        await waitFor('the last member left', async () => (await aws.members(R, 'web')).length === 0);
        await stop(d);
      },
    );

    scenario('DNS members over IPv4 and IPv6: A and AAAA sets, each deleted when its last member goes', async () => {
      const P = '/s2';
      const zone = await aws.createZone('flows.test');
      const key = (ip: string): string => `${P}/route53/${R}/${zone}/www.flows.test/multiple/${ip}`;
      const d = await daemon(P);
      for (const ip of ['192.0.2.1', '192.0.2.2', '2001:db8::1']) await put(key(ip));
      const sets = async (): Promise<string> =>
        (await aws.recordSets(zone))
          .filter((s) => s.name === 'www.flows.test')
          .map((s) => `${s.type}=${s.values.join(',')}`)
          .sort()
          .join(' ');
      await waitFor('A and AAAA', async () => (await sets()) === 'A=192.0.2.1,192.0.2.2 AAAA=2001:db8::1');
      await del(key('2001:db8::1'));
      await waitFor('AAAA deleted', async () => (await sets()) === 'A=192.0.2.1,192.0.2.2');
      await del(key('192.0.2.1'));
      await del(key('192.0.2.2'));
      await waitFor('A deleted with its last member', async () => (await sets()) === '');
      await stop(d);
    });

    scenario('target groups: instance and IP targets, with and without ports', async () => {
      const P = '/s3';
      await aws.createTargetGroup(R, 'inst-tg', 80, 'instance');
      await aws.createTargetGroup(R, 'ip-tg', 443, 'ip');
      const [a, b] = await aws.instances(R, 2);
      const key = (tg: string, t: string): string => `${P}/elbv2/${R}/${tg}/multiple/${t}`;
      const d = await daemon(P);
      for (const k of [
        key('inst-tg', a ?? ''),
        key('inst-tg', `${b}:8080`),
        key('ip-tg', '10.0.1.5'),
        key('ip-tg', '10.0.1.6:8443'),
      ])
        await put(k);
      await waitFor(
        'instance targets',
        async () => (await aws.targets(R, 'inst-tg')).join() === [`${a}:80`, `${b}:8080`].sort().join(),
      );
      await waitFor('IP targets', async () => (await aws.targets(R, 'ip-tg')).join() === '10.0.1.5:443,10.0.1.6:8443');
      await del(key('ip-tg', '10.0.1.5'));
      await waitFor('an IP target removed', async () => (await aws.targets(R, 'ip-tg')).join() === '10.0.1.6:8443');
      await stop(d);
    });

    scenario('a burst of 1,000 members is batched, and a restart over the unchanged tree writes nothing', async () => {
      const P = '/s4';
      await aws.createLoadBalancer(R, 'burst');
      const ids = await aws.instances(R, 1000);
      const d = await daemon(P);
      for (let i = 0; i < ids.length; i += 100) {
        await client.kv.txn({
          compare: [],
          success: ids.slice(i, i + 100).map((id) => ({
            request_put: { key: Buffer.from(`${P}/elb/${R}/burst/multiple/${id}`), value: Buffer.alloc(0) },
          })),
          failure: [],
        });
      }
      await waitFor('1,000 registered', async () => (await aws.members(R, 'burst')).length === 1000, 120_000);
      const registers = await calls(d, ['RegisterInstancesWithLoadBalancer']);
      assert.ok(registers >= 10 && registers <= 15, `${registers} register calls for 1,000 members`);
      await stop(d);
      const again = await daemon(P);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await calls(again, ALL_WRITES), 0, 'a restart over an unchanged tree writes nothing');
      assert.equal((await aws.members(R, 'burst')).length, 1000);
      await stop(again);
    });

    scenario('missing resources are reported while everything else converges', async () => {
      const P = '/s5';
      await aws.createLoadBalancer(R, 'real');
      const zone = await aws.createZone('missing.test');
      const [i1] = await aws.instances(R, 1);
      const d = await daemon(P);
      await put(`${P}/elb/${R}/ghost/multiple/${i1}`);
      await put(`${P}/elbv2/${R}/ghost-tg/multiple/10.0.1.9`);
      await put(`${P}/route53/${R}/ZDOESNOTEXIST1/www.nowhere.test/multiple/192.0.2.9`);
      await put(`${P}/elb/${R}/real/multiple/${i1}`);
      await put(`${P}/route53/${R}/${zone}/ok.missing.test/multiple/192.0.2.10`);
      await waitFor('the real load balancer converged', async () => (await aws.members(R, 'real')).join() === i1);
      await waitFor('the real zone converged', async () =>
        (await aws.recordSets(zone)).some((s) => s.name === 'ok.missing.test' && s.type === 'A'),
      );
      const errors = await waitFor('the missing ones reported', async () => {
        const st = await state(d);
        const code = (id: string): string | undefined => st.targets.find((t) => t.id === id)?.lastError?.code;
        const got = [
          code(`elb/${R}/ghost`),
          code(`elbv2/${R}/ghost-tg`),
          code('route53/ZDOESNOTEXIST1/www.nowhere.test'),
        ];
        return got.every((c) => c !== undefined) ? got : undefined;
      });
      assert.match(errors?.[0] ?? '', /LoadBalancerNotFound|AccessPointNotFound/);
      assert.match(errors?.[1] ?? '', /TargetGroupNotFound/);
      assert.match(errors?.[2] ?? '', /NoSuchHostedZone/);
      await stop(d);
    });

    scenario(
      'records lbmanager does not own are left alone: other types, other names, an alias at a managed name',
      async () => {
        const P = '/s6';
        const zone = await aws.createZone('owned.test');
        await aws.putRecordSet(zone, {
          Name: 'www.owned.test',
          Type: 'TXT',
          TTL: 300,
          ResourceRecords: [{ Value: '"not lbmanager\'s"' }],
        });
        await aws.putRecordSet(zone, {
          Name: 'mail.owned.test',
          Type: 'A',
          TTL: 300,
          ResourceRecords: [{ Value: '192.0.2.25' }],
        });
        await aws.putRecordSet(zone, {
          Name: 'apex.owned.test',
          Type: 'A',
          AliasTarget: { HostedZoneId: zone, DNSName: 'mail.owned.test', EvaluateTargetHealth: false },
        });
        const before = await aws.recordSets(zone);
        const d = await daemon(P);
        await put(`${P}/route53/${R}/${zone}/www.owned.test/multiple/192.0.2.80`);
        await put(`${P}/route53/${R}/${zone}/apex.owned.test/multiple/192.0.2.81`);
        await put(`${P}/route53/${R}/${zone}/apex.owned.test/multiple/2001:db8::81`);
        await waitFor('www and the AAAA of apex written', async () => {
          const sets = await aws.recordSets(zone);
          return (
            sets.some((s) => s.name === 'www.owned.test' && s.type === 'A') &&
            sets.some((s) => s.name === 'apex.owned.test' && s.type === 'AAAA')
          );
        });
        const afterSets = await aws.recordSets(zone);
        for (const s of before.filter((x) => x.type !== 'SOA' && x.type !== 'NS')) {
          assert.ok(
            afterSets.some((a) => JSON.stringify(a) === JSON.stringify(s)),
            `${s.name} ${s.type} left as it was`,
          );
        }
        const apexA = afterSets.filter((s) => s.name === 'apex.owned.test' && s.type === 'A');
        assert.equal(apexA.length, 1);
        assert.ok(apexA[0]?.alias, 'the alias A survived');
        await stop(d);
      },
    );

    scenario(
      'routing policies through etcdctl and the AWS CLI: weights from values and a weight change, multivalue, a switch to multiple and back, all keys gone and the weighted sets of another owner untouched',
      async () => {
        const P = '/s7';
        const zone = await aws.createZone('policy.test');
        const key = (name: string, cls: string, ip: string): string =>
          `${P}/route53/${R}/${zone}/${name}.policy.test/${cls}/${ip}`;
        const etcdctl = (...args: string[]): Promise<string> => etcd.etcdctl(...args);
        const cli = async (...args: string[]): Promise<unknown> => {
          const r = await runAws(aws.url, 'route53', ...args);
          assert.equal(r.code, 0, r.stderr);
          return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
        };
        interface CliSet {
          Name: string;
          Type: string;
          TTL?: number;
          SetIdentifier?: string;
          Weight?: number;
          MultiValueAnswer?: boolean;
          ResourceRecords?: Array<{ Value: string }>;
        }
        const listed = async (): Promise<CliSet[]> =>
          ((await cli('list-resource-record-sets', '--hosted-zone-id', zone)) as { ResourceRecordSets: CliSet[] })
            .ResourceRecordSets;
        const sets = async (name: string): Promise<string> =>
          (await listed())
            .filter((s) => s.Name === `${name}.policy.test.` && (s.Type === 'A' || s.Type === 'AAAA'))
            .map(
              (s) =>
                `${s.Type} ${s.SetIdentifier ?? 'plain'} ${(s.ResourceRecords ?? []).map((r) => r.Value).join(',')}` +
                `${s.Weight !== undefined ? ` w${s.Weight}` : ''}${s.MultiValueAnswer ? ' mv' : ''} ttl${s.TTL}`,
            )
            .sort()
            .join(' | ');
        const theirs = ['blue', 'green'].map((id, i) => ({
          Name: 'www.policy.test.',
          Type: 'A',
          SetIdentifier: id,
          Weight: 50 - 50 * i,
          TTL: 300,
          ResourceRecords: [{ Value: `198.51.100.${i + 1}` }],
        }));
        const batch = JSON.stringify({ Changes: theirs.map((s) => ({ Action: 'CREATE', ResourceRecordSet: s })) });
        await cli('change-resource-record-sets', '--hosted-zone-id', zone, '--change-batch', batch);
        const foreign = async (): Promise<string> =>
          JSON.stringify((await listed()).filter((s) => s.SetIdentifier === 'blue' || s.SetIdentifier === 'green'));
        const before = await foreign();
        const d = await daemon(P);
        await etcdctl('put', key('www', 'weighted', '192.0.2.1'), '10');
        await etcdctl('put', key('www', 'weighted', '192.0.2.2'), '');
        await etcdctl('put', key('www', 'weighted', '2001:db8::1'), '5');
        const blueGreen = 'A blue 198.51.100.1 w50 ttl300 | A green 198.51.100.2 w0 ttl300';
        await waitFor(
          "weighted sets beside another owner's, with their TTL",
          async () =>
            (await sets('www')) ===
            `${blueGreen} | A lbm:192.0.2.1 192.0.2.1 w10 ttl300 | A lbm:192.0.2.2 192.0.2.2 w1 ttl300 | ` +
              'AAAA lbm:2001:db8::1 2001:db8::1 w5 ttl60',
        );
        await etcdctl('put', key('www', 'weighted', '192.0.2.2'), '200');
        await waitFor('the new weight', async () => (await sets('www')).includes('A lbm:192.0.2.2 192.0.2.2 w200'));
        await etcdctl('put', key('mv', 'multivalue', '192.0.2.10'), '');
        await etcdctl('put', key('mv', 'multivalue', '192.0.2.11'), 'any value');
        await waitFor(
          'a multivalue name',
          async () =>
            (await sets('mv')) === 'A lbm:192.0.2.10 192.0.2.10 mv ttl60 | A lbm:192.0.2.11 192.0.2.11 mv ttl60',
        );
        await etcdctl('put', key('sw', 'weighted', '192.0.2.20'), '3');
        await etcdctl('put', key('sw', 'weighted', '192.0.2.21'), '4');
        const swWeighted = 'A lbm:192.0.2.20 192.0.2.20 w3 ttl60 | A lbm:192.0.2.21 192.0.2.21 w4 ttl60';
        await waitFor('sw weighted', async () => (await sets('sw')) === swWeighted);
        await etcdctl('put', key('sw', 'multiple', '192.0.2.22'), '');
        await waitFor('switched to multiple', async () => (await sets('sw')) === 'A plain 192.0.2.22 ttl60');
        await etcdctl('put', key('sw', 'weighted', '192.0.2.20'), '3');
        await waitFor('and back to weighted', async () => (await sets('sw')) === swWeighted);
        // multiple beside another owner's weighted sets: Route53 would refuse the plain set, so nothing is written.
        await etcdctl('put', key('www', 'multiple', '192.0.2.30'), '');
        await waitFor('the conflict reported', async () => {
          const t = (await state(d)).targets.find((x) => x.id === `route53/${zone}/www.policy.test`) as unknown as {
            conflicts?: Array<{ type: string; with: string }>;
          };
          return JSON.stringify(t.conflicts) === '[{"type":"A","with":"routing-policy"}]';
        });
        assert.match(await sets('www'), /A lbm:192\.0\.2\.1 192\.0\.2\.1 w10/, 'its weighted sets stay meanwhile');
        await etcdctl('del', '--prefix', `${P}/`);
        await waitFor(
          'every set of its own deleted',
          async () => (await sets('www')) === blueGreen && (await sets('mv')) === '' && (await sets('sw')) === '',
        );
        assert.equal(await foreign(), before, "another owner's sets are exactly as they were");
        const samples = parsePrometheusText(await (await fetch(`${d.admin}/metrics`)).text());
        const refused = samples.filter(
          (s) =>
            s.name === 'lbmanager_aws_calls_total' &&
            s.labels.operation === 'ChangeResourceRecordSets' &&
            s.labels.outcome !== 'ok',
        );
        assert.deepEqual(refused, [], 'no change batch was refused: plain and policy sets never met');
        await stop(d);
      },
    );
  });
}
