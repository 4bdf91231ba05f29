import { Etcd3 } from 'etcd3';
import { instanceId, putKeys, runArgs } from '../../scripts/lib/harness.mjs';
import type { FakeAwsOptions, FakeAwsServer } from '../../src/fake-aws/server.js';
import { startCli, type CliProcess } from './cli.js';
import { startEtcd, type EtcdServer } from './etcd-server.js';
import { fakeCalls, fakeState, startTestFakeAws, type FakeStateView } from './fake-aws.js';
import { waitFor } from './wait.js';

/** A daemon started by the stack, with its admin endpoint. */
export interface StackDaemon extends CliProcess {
  readonly adminUrl: string;
  readonly identity: string;
}

/** etcd, the fake AWS endpoint and built daemons, wired together for an end-to-end test. */
export interface Stack {
  readonly etcd: EtcdServer;
  readonly fake: FakeAwsServer;
  readonly client: Etcd3;
  /** Starts a daemon (`lbmanager run`) against this stack and waits until its admin endpoint answers. */
  daemon(args?: string[], identity?: string): Promise<StackDaemon>;
  /** Instances of a Classic ELB load balancer, sorted. */
  members(lb: string, region?: string): Promise<string[]>;
  /** Targets of an ELBv2 target group as `id:port`, sorted. */
  targets(tg: string, region?: string): Promise<string[]>;
  state(): Promise<FakeStateView>;
  calls(since?: number): ReturnType<typeof fakeCalls>;
  /** Puts keys fast: transactions of 100 puts. */
  putMany(keys: readonly string[], value?: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a stack; `lbs` are created in us-east-1, `zones` as `{ id: name }`. */
export async function startStack(
  options: {
    lbs?: string[];
    zones?: Record<string, string>;
    /** ELBv2 target groups in us-east-1 (in the fake's default VPC, 10.0.0.0/16, unless they name another). */
    tgs?: Record<
      string,
      { port: number; targetType: 'instance' | 'ip'; ipAddressType?: 'ipv4' | 'ipv6'; vpcId?: string }
    >;
    /** VPCs by id, with their CIDR blocks. */
    vpcs?: Record<string, string[]>;
    fake?: FakeAwsOptions;
    terminated?: string[];
  } = {},
): Promise<Stack> {
  const etcd = await startEtcd();
  const fake = await startTestFakeAws(options.fake ?? {});
  fake.state.load({
    elb: { 'us-east-1': Object.fromEntries((options.lbs ?? []).map((n) => [n, { instances: [] }])) },
    elbv2: { 'us-east-1': Object.fromEntries(Object.entries(options.tgs ?? {}).map(([n, g]) => [n, { ...g }])) },
    route53: {
      zones: Object.fromEntries(
        Object.entries(options.zones ?? {}).map(([id, name]) => [id, { name, recordSets: [] }]),
      ),
    },
    terminated: { 'us-east-1': options.terminated ?? [] },
    ...(options.vpcs ? { vpcs: options.vpcs } : {}),
  });
  const client = new Etcd3({ hosts: [etcd.endpoint] });
  const daemons: StackDaemon[] = [];
  let n = 0;
  return {
    etcd,
    fake,
    client,
    async daemon(args = [], identity = `d${++n}`) {
      const p = startCli([...runArgs({ etcdEndpoint: etcd.endpoint, awsUrl: fake.url, identity }), ...args], {
        LBM_LOG_LEVEL: 'debug',
      });
      const m = await p.waitForOutput(/admin endpoint listening[^\n]*"url":"([^"]+)"/);
      const d: StackDaemon = Object.assign(p, { adminUrl: m[1] ?? '', identity });
      daemons.push(d);
      return d;
    },
    async members(lb, region = 'us-east-1') {
      return (await fakeState(fake.url)).elb[region]?.[lb]?.instances ?? [];
    },
    async targets(tg, region = 'us-east-1') {
      const g = (await fakeState(fake.url)).elbv2[region]?.[tg];
      return (g?.targets ?? []).map((t) => `${t.id}:${t.port}`).sort();
    },
    state: () => fakeState(fake.url),
    calls: (since = 0) => fakeCalls(fake.url, since),
    putMany: (keys, value = '') => putKeys(client, keys, value, 100),
    async stop() {
      for (const d of daemons) await d.stop('SIGKILL');
      client.close();
      await fake.close();
      await etcd.stop();
    },
  };
}

/** Waits until a daemon's /readyz answers 200. */
export function waitReady(d: StackDaemon, timeoutMs = 30_000): Promise<boolean> {
  return waitFor(`${d.identity} ready`, async () => (await fetch(`${d.adminUrl}/readyz`)).ok, timeoutMs);
}

/** A daemon's /state. */
export async function adminState(d: StackDaemon): Promise<{
  removalHold: { held: boolean; reason?: string };
  leader: boolean;
  targets: Array<{
    id: string;
    desired: string[];
    actual: string[] | null;
    rejected: string[];
    heldRemovals: string[];
    lastError: { code: string } | null;
    lastSync: string | null;
    /** Route53 names only: the families a set lbmanager does not own keeps it from writing. */
    conflicts?: Array<{ type: string; with: string }>;
  }>;
}> {
  return (await (await fetch(`${d.adminUrl}/state`)).json()) as never;
}

/** `i-` + 17 hex digits from a number. */
export const iid = instanceId;
