import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateLoadBalancerCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { startCli, type CliProcess } from '../helpers/cli.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { fakeCalls, fakeState, startTestFakeAws } from '../helpers/fake-aws.js';
import { waitFor } from '../helpers/wait.js';
import { runArgs } from '../../scripts/lib/harness.mjs';

const WRITE_OPS = new Set([
  'RegisterInstancesWithLoadBalancer',
  'DeregisterInstancesFromLoadBalancer',
  'RegisterTargets',
  'DeregisterTargets',
  'ChangeResourceRecordSets',
]);

const I1 = 'i-0a1b2c3d4e5f60001';
const I2 = 'i-0a1b2c3d4e5f60002';
const I3 = 'i-0a1b2c3d4e5f60003';

describe('end to end: built CLI, real etcd and etcdctl, fake AWS endpoint', () => {
  let etcd: EtcdServer;
  let fake: Awaited<ReturnType<typeof startTestFakeAws>>;
  let daemon: CliProcess | undefined;
  let zoneId = '';
  const lbKey = (cls: string, id: string): string => `/lbManager/elb/us-east-1/web/${cls}/${id}`;
  const dnsKey = (cls: string, ip: string): string =>
    `/lbManager/route53/us-east-1/${zoneId}/www.example.test/${cls}/${ip}`;

  const startDaemon = (): CliProcess =>
    startCli([
      ...runArgs({ etcdEndpoint: etcd.endpoint, awsUrl: fake.url, identity: 'e2e' }),
      '--resync-interval',
      '0',
    ]);
  const members = async (): Promise<string[]> => (await fakeState(fake.url)).elb['us-east-1']?.['web']?.instances ?? [];
  const records = async (): Promise<Array<{ name: string; type: string; values: string[] }>> =>
    (await fakeState(fake.url)).route53.zones[zoneId]?.recordSets.filter((s) => s.type === 'A' || s.type === 'AAAA') ??
    [];

  before(async () => {
    etcd = await startEtcd();
    fake = await startTestFakeAws();
    const creds = { accessKeyId: 'AKIDLBMTEST', secretAccessKey: 'x' };
    const elb = new ElasticLoadBalancingClient({ region: 'us-east-1', endpoint: fake.url, credentials: creds });
    await elb.send(
      new CreateLoadBalancerCommand({
        LoadBalancerName: 'web',
        Listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80 }],
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    const r53 = new Route53Client({ region: 'us-east-1', endpoint: fake.url, credentials: creds });
    const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'example.test', CallerReference: 'e2e' }));
    zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
    assert.ok(zoneId);
    daemon = startDaemon();
    await daemon.waitForOutput(/tree snapshot loaded/);
  });

  after(async () => {
    await daemon?.stop();
    await fake?.close();
    await etcd?.stop();
  });

  test('a key put is registered within 2 seconds, and a key deleted is deregistered', async () => {
    await etcd.etcdctl('put', lbKey('multiple', I1), '');
    await waitFor('i-…0001 registered', async () => (await members()).includes(I1), 2000);
    await etcd.etcdctl('put', lbKey('multiple', I2), '');
    await waitFor('i-…0002 registered', async () => (await members()).includes(I2), 2000);
    await etcd.etcdctl('del', lbKey('multiple', I1));
    await waitFor('i-…0001 deregistered', async () => !(await members()).includes(I1));
    assert.deepEqual(await members(), [I2]);
  });

  test('a single switch registers the new member before deregistering the old one', async () => {
    await etcd.etcdctl('put', lbKey('single', I3), '');
    await waitFor('only i-…0003 left', async () => JSON.stringify(await members()) === JSON.stringify([I3]));
    await etcd.etcdctl('put', lbKey('single', I1), '');
    await waitFor('only i-…0001 left', async () => JSON.stringify(await members()) === JSON.stringify([I1]));
    const log = (await fakeCalls(fake.url)).calls.filter((c) => WRITE_OPS.has(c.operation) && c.target === 'web');
    const reg = log.findLastIndex(
      (c) => c.operation === 'RegisterInstancesWithLoadBalancer' && (c.members ?? []).includes(I1),
    );
    const dereg = log.findLastIndex(
      (c) => c.operation === 'DeregisterInstancesFromLoadBalancer' && (c.members ?? []).includes(I3),
    );
    assert.ok(reg >= 0 && dereg >= 0, JSON.stringify(log));
    assert.ok(reg < dereg, 'register came first');
  });

  test('Route53: A for IPv4, AAAA for IPv6, and the set deleted when its last member goes', async () => {
    await etcd.etcdctl('put', dnsKey('multiple', '192.0.2.10'), '');
    await etcd.etcdctl('put', dnsKey('multiple', '192.0.2.11'), '');
    await etcd.etcdctl('put', dnsKey('multiple', '2001:DB8::10'), '');
    await waitFor('A and AAAA sets', async () => {
      const r = await records();
      const a = r.find((s) => s.type === 'A');
      const aaaa = r.find((s) => s.type === 'AAAA');
      return a?.values.length === 2 && aaaa?.values.join() === '2001:db8::10';
    });
    await etcd.etcdctl('del', dnsKey('multiple', '2001:DB8::10'));
    await waitFor('AAAA deleted', async () => !(await records()).some((s) => s.type === 'AAAA'));
    await etcd.etcdctl('del', '--prefix', `/lbManager/route53/`);
    await waitFor('A deleted', async () => (await records()).length === 0);
  });

  test('a daemon restart against a matching tree makes no write call', async () => {
    await waitFor('the daemon is idle', async () => (await members()).length === 1);
    assert.equal(await daemon?.stop('SIGTERM'), 0, 'graceful shutdown exits 0');
    const before = (await fakeCalls(fake.url)).calls.length;
    daemon = startDaemon();
    await daemon.waitForOutput(/tree snapshot loaded/);
    await daemon.waitForOutput(/initial reconcile finished/);
    assert.ok(
      (await fakeCalls(fake.url)).calls.slice(before).some((c) => c.operation === 'DescribeLoadBalancers'),
      'the restarted daemon compared the load balancer with AWS',
    );
    const writes = (await fakeCalls(fake.url)).calls.slice(before).filter((c) => WRITE_OPS.has(c.operation));
    assert.deepEqual(writes, []);
    assert.deepEqual(await members(), [I1], 'nothing was deregistered by the restart');
  });
});
