import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  RegisterInstancesWithLoadBalancerCommand,
  ElasticLoadBalancingClient,
} from '@aws-sdk/client-elastic-load-balancing';
import type { AwsClients } from './aws-clients.js';
import { classifyAwsError } from './aws-errors.js';
import { AwsCallError, type MembershipProvider, membershipKey, type MembershipTarget } from './types.js';
import { RecentWrites } from './recent-writes.js';
import { WriteLedger } from './write-ledger.js';

/** The Classic ELB client of a region. */
export function elbClient(clients: AwsClients, region: string): ElasticLoadBalancingClient {
  return clients.client('elb', region, (config) => new ElasticLoadBalancingClient(config));
}

/** Options of {@link ElbProvider}. */
export interface ElbProviderOptions {
  /** Below this many load balancers of a region, a prefetch is ignored and each is described on its own. @default 20 */
  readonly prefetchMin?: number;
  /** A prefetched answer older than this is not used. @default 10000 */
  readonly prefetchMaxAgeMs?: number;
  readonly now?: () => number;
}

interface Prefetch {
  readonly at: number;
  /** The ledger's tick when the listing started: it answers only for load balancers not written since. */
  readonly listedAt: number;
  /** Names whose next read this listing answers (each only once). */
  readonly names: Set<string>;
  /** Whether a read or a write of one of its load balancers came after it: then it takes no new names. */
  closed: boolean;
  readonly listing: Promise<Map<string, string[]>>;
}

/** Most load balancers DescribeLoadBalancers returns per page. */
const PAGE_SIZE = 400;

/**
 * Classic ELB: members are the instance ids registered with a load balancer. A full pass over many load balancers of a
 * region reads them with one paged listing (400 per call) instead of one DescribeLoadBalancers each; any other read
 * describes its load balancer on its own, so a reconcile after a change never acts on an old listing.
 */
export class ElbProvider implements MembershipProvider {
  private readonly prefetches = new Map<string, Prefetch>();
  private readonly prefetchMin: number;
  private readonly prefetchMaxAgeMs: number;
  private readonly now: () => number;
  private readonly ledger = new WriteLedger();
  private readonly recent: RecentWrites;

  constructor(
    private readonly clients: AwsClients,
    options: ElbProviderOptions = {},
  ) {
    this.prefetchMin = options.prefetchMin ?? 20;
    this.prefetchMaxAgeMs = options.prefetchMaxAgeMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.recent = new RecentWrites(undefined, this.now);
  }

  /** @inheritdoc */
  prefetch(region: string, names: readonly string[]): void {
    if (names.length < this.prefetchMin) return;
    // The first read of the tree asks once per page it reads, with the names so far: one listing answers them all.
    const current = this.prefetches.get(region);
    if (current && !current.closed && this.now() - current.at <= this.prefetchMaxAgeMs) {
      for (const name of names) current.names.add(name);
      return;
    }
    const listedAt = this.ledger.listingStarts();
    const listing = this.listRegion(region);
    // A failed listing is not an error of any target: their reads fall back to describing each load balancer.
    listing.catch(() => undefined);
    this.prefetches.set(region, { at: this.now(), listedAt, names: new Set(names), listing, closed: false });
  }

  private async listRegion(region: string): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    let marker: string | undefined;
    do {
      const res = await elbClient(this.clients, region).send(
        new DescribeLoadBalancersCommand({ PageSize: PAGE_SIZE, ...(marker ? { Marker: marker } : {}) }),
      );
      for (const lb of res.LoadBalancerDescriptions ?? []) {
        if (lb.LoadBalancerName) out.set(lb.LoadBalancerName, instancesOf(lb.Instances));
      }
      marker = res.NextMarker || undefined;
    } while (marker);
    return out;
  }

  private async fromPrefetch(target: MembershipTarget): Promise<string[] | 'not-found' | undefined> {
    const p = this.prefetches.get(target.region);
    if (!p?.names.delete(target.name)) return undefined;
    p.closed = true;
    if (p.names.size === 0) this.prefetches.delete(target.region);
    if (this.now() - p.at > this.prefetchMaxAgeMs) return undefined;
    let listed: Map<string, string[]>;
    try {
      listed = await p.listing;
    } catch {
      return undefined;
    }
    // Judged once the listing has answered: a write sent or answered after it started may be missing from it.
    if (!this.ledger.mayAnswer(membershipKey(target), p.listedAt)) return undefined;
    return listed.get(target.name) ?? 'not-found';
  }

  // The ledger alone keeps the listing from answering; closing it makes the next full pass list afresh.
  private forgetPrefetched(target: MembershipTarget): void {
    const p = this.prefetches.get(target.region);
    if (!p) return;
    p.names.delete(target.name);
    p.closed = true;
  }

  /** @inheritdoc */
  forgetRecentWrites(): void {
    this.recent.clear();
  }

  /** @inheritdoc */
  async readMembers(target: MembershipTarget): Promise<string[]> {
    return this.recent.apply(membershipKey(target), await this.describe(target));
  }

  private async describe(target: MembershipTarget): Promise<string[]> {
    const prefetched = await this.fromPrefetch(target);
    if (prefetched === 'not-found') throw notFound(target.name);
    if (prefetched) return prefetched;
    try {
      const res = await elbClient(this.clients, target.region).send(
        new DescribeLoadBalancersCommand({ LoadBalancerNames: [target.name] }),
      );
      const lb = res.LoadBalancerDescriptions?.find((d) => d.LoadBalancerName === target.name);
      if (!lb) throw notFound(target.name);
      return instancesOf(lb.Instances);
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  /** @inheritdoc */
  async register(target: MembershipTarget, members: readonly string[]): Promise<void> {
    this.forgetPrefetched(target);
    try {
      await this.ledger.write(membershipKey(target), () =>
        elbClient(this.clients, target.region).send(
          new RegisterInstancesWithLoadBalancerCommand({
            LoadBalancerName: target.name,
            Instances: members.map((InstanceId) => ({ InstanceId })),
          }),
        ),
      );
      this.recent.record(membershipKey(target), members, true);
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  /** @inheritdoc */
  async deregister(target: MembershipTarget, members: readonly string[]): Promise<void> {
    this.forgetPrefetched(target);
    try {
      await this.ledger.write(membershipKey(target), () =>
        elbClient(this.clients, target.region).send(
          new DeregisterInstancesFromLoadBalancerCommand({
            LoadBalancerName: target.name,
            Instances: members.map((InstanceId) => ({ InstanceId })),
          }),
        ),
      );
      this.recent.record(membershipKey(target), members, false);
    } catch (e) {
      throw classifyAwsError(e);
    }
  }
}

function notFound(name: string): AwsCallError {
  return new AwsCallError('not-found', 'LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${name}'`);
}

function instancesOf(instances: ReadonlyArray<{ InstanceId?: string | undefined }> | undefined): string[] {
  return (instances ?? [])
    .map((i) => i.InstanceId)
    .filter((id): id is string => typeof id === 'string')
    .sort();
}
