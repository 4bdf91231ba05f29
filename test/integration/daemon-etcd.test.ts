import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingClient,
  RegisterInstancesWithLoadBalancerCommand,
} from '@aws-sdk/client-elastic-load-balancing';
import { mockClient } from 'aws-sdk-client-mock';
import { Etcd3 } from 'etcd3';
import { startDaemon, type Daemon } from '../../src/daemon/daemon.js';
import type { DaemonConfig } from '../../src/config/daemon.js';
import { silentLogger } from '../../src/util/logger.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { waitFor } from '../helpers/wait.js';
import { instanceId as iid } from '../../scripts/lib/harness.mjs';

// The SDK is mocked here (unit-level AWS), etcd is real: this counts the provider calls the daemon makes.
const elbMock = mockClient(ElasticLoadBalancingClient);
const lbs = new Map<string, Set<string>>();
const calls: Array<{ op: string; members: string[] }> = [];

function installElbFake(): void {
  elbMock.reset();
  elbMock.on(DescribeLoadBalancersCommand).callsFake((input: { LoadBalancerNames?: string[] }) => {
    calls.push({ op: 'describe', members: [] });
    const name = input.LoadBalancerNames?.[0] ?? '';
    const lb = lbs.get(name);
    if (!lb)
      throw Object.assign(new Error(`There is no ACTIVE Load Balancer named '${name}'`), {
        name: 'AccessPointNotFoundException',
        Code: 'LoadBalancerNotFound',
      });
    return {
      LoadBalancerDescriptions: [{ LoadBalancerName: name, Instances: [...lb].map((InstanceId) => ({ InstanceId })) }],
    };
  });
  elbMock
    .on(RegisterInstancesWithLoadBalancerCommand)
    .callsFake((input: { LoadBalancerName: string; Instances: Array<{ InstanceId: string }> }) => {
      const ids = input.Instances.map((i) => i.InstanceId);
      calls.push({ op: 'register', members: ids });
      const lb = lbs.get(input.LoadBalancerName);
      for (const id of ids) lb?.add(id);
      return { Instances: [...(lb ?? [])].map((InstanceId) => ({ InstanceId })) };
    });
  elbMock
    .on(DeregisterInstancesFromLoadBalancerCommand)
    .callsFake((input: { LoadBalancerName: string; Instances: Array<{ InstanceId: string }> }) => {
      const ids = input.Instances.map((i) => i.InstanceId);
      calls.push({ op: 'deregister', members: ids });
      const lb = lbs.get(input.LoadBalancerName);
      for (const id of ids) lb?.delete(id);
      return { Instances: [...(lb ?? [])].map((InstanceId) => ({ InstanceId })) };
    });
}

function config(etcd: EtcdServer): DaemonConfig {
  return {
    etcd: { endpoints: [etcd.endpoint] },
    prefix: '/lbManager',
    elbEndpoint: 'http://127.0.0.1:9',
    route53Endpoint: 'http://127.0.0.1:9',
    dryRun: false,
    resyncInterval: 0,
    policy: 'sync',
    route53Ttl: 60,
    route53Rps: 0,
    route53ChangeRps: 0,
    awsConnectTimeout: 5,
    awsRequestTimeout: 30,
    reconcileTimeout: 120,
    concurrency: 16,
    shutdownTimeout: 5,
    identity: 'test',
    logLevel: 'error',
    logFormat: 'json',
    maxRemovalPercent: 50,
    confirmRemoval: false,
    httpListen: undefined,
    leaderElection: true,
    electionTtl: 10,
    statePrefix: '/_lbmanager/state/',
    pruneSuperseded: false,
  };
}

describe('daemon against real etcd (AWS SDK mocked)', () => {
  let etcd: EtcdServer;
  let daemon: Daemon | undefined;
  before(async () => {
    etcd = await startEtcd();
    installElbFake();
  });
  after(async () => {
    await daemon?.shutdown();
    await etcd.stop();
    elbMock.restore();
  });

  test('a restart against a tree that already matches AWS makes no write call', async () => {
    lbs.set('web', new Set());
    for (const n of [1, 2, 3]) await etcd.etcdctl('put', `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`, '');
    daemon = await startDaemon(config(etcd), silentLogger);
    await waitFor('the three members registered', () => lbs.get('web')?.size === 3);
    await daemon.reconciler.idle();
    await daemon.shutdown();
    calls.length = 0;
    daemon = await startDaemon(config(etcd), silentLogger);
    await waitFor('the restarted daemon compared the load balancer', () => calls.some((c) => c.op === 'describe'));
    await daemon.reconciler.idle();
    assert.deepEqual(
      calls.filter((c) => c.op !== 'describe'),
      [],
    );
  });

  test('a burst of 1,000 member keys for one load balancer ends in at most 15 register calls', async (t) => {
    lbs.set('burst', new Set());
    calls.length = 0;
    const keys = Array.from({ length: 1000 }, (_, i) => `/lbManager/elb/us-east-1/burst/multiple/${iid(0x1000 + i)}`);
    const client = etcdClientFor(etcd);
    // As fast as etcd takes them: 1,000 separate puts, 50 in flight.
    for (let i = 0; i < keys.length; i += 50)
      await Promise.all(keys.slice(i, i + 50).map((k) => client.put(k).value('')));
    client.close();
    await waitFor('all 1,000 registered', () => lbs.get('burst')?.size === 1000, 30_000);
    await daemon?.reconciler.idle();
    const registers = calls.filter((c) => c.op === 'register');
    t.diagnostic(`register calls: ${registers.length}`);
    assert.ok(registers.length <= 15, `register calls: ${registers.length}`);
    assert.ok(registers.every((c) => c.members.length <= 100));
    assert.equal(new Set(registers.flatMap((c) => c.members)).size, 1000);
    assert.equal(registers.flatMap((c) => c.members).length, 1000, 'nothing registered twice');
  });
});

function etcdClientFor(etcd: EtcdServer): Etcd3 {
  return new Etcd3({ hosts: [etcd.endpoint] });
}
