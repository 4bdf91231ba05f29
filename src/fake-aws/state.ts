import { randomBytes } from 'node:crypto';
import { decodeRoute53Name } from '../util/dns-name.js';
import { elbSectionsToJson, loadElbSections, type ElbStateJson } from './elb-state.js';
import { CidrSet, DEFAULT_VPC_CIDRS } from './ip-ranges.js';
import { Membership } from './membership.js';
import { keyOf, recordKey, recordSetFromJson, recordSetToJson, type FakeRecordSet } from './route53-record.js';
import type { FakeLoadBalancer, FakeTargetGroup, TargetGroupOptions } from './elb-types.js';

export { recordKey, type FakeRecordSet };
export type { FakeLoadBalancer, FakeTargetGroup, TargetGroupOptions } from './elb-types.js';

/** A Route53 hosted zone; record sets keyed `name|type|setIdentifier`. */
export interface FakeZone {
  readonly id: string;
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly callerReference: string;
  readonly recordSets: Map<string, FakeRecordSet>;
  lastChangeAt: number;
}

/** The JSON form of the state (`--state FILE`, `GET /_fake/state`); the ELB parts are {@link ElbStateJson}'s. */
export interface FakeStateJson extends ElbStateJson {
  route53?: {
    /** Record sets in the form of {@link recordSetToJson}; `ttl` and `values` may be left out of old files. */
    zones?: Record<string, { name: string; recordSets?: Array<Partial<FakeRecordSet>> }>;
  };
  terminated?: Record<string, string[]>;
}

const DEFAULT_VPC = new CidrSet(DEFAULT_VPC_CIDRS);

function zoneName(s: string): string {
  return s.toLowerCase().replace(/\.$/, '');
}

/** Everything the fake cloud holds. ELB state is per region; Route53 is global. */
export class FakeAwsState {
  readonly elb = new Map<string, Map<string, FakeLoadBalancer>>();
  readonly elbv2 = new Map<string, Map<string, FakeTargetGroup>>();
  readonly zones = new Map<string, FakeZone>();
  readonly terminated = new Map<string, Set<string>>();
  readonly changes = new Map<string, { submittedAt: string; polled: number }>();
  /** CIDR blocks of the VPCs the fake was told of, by VPC id. */
  readonly vpcs = new Map<string, CidrSet>();
  /** The account's instances per region, when listed: ids outside a region's list do not exist there. */
  readonly knownInstances = new Map<string, Set<string>>();
  /** The time every lifecycle and lag computation uses (injected by unit tests). */
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** The CIDR blocks of a VPC; a VPC the fake was not told of is 10.0.0.0/16. */
  vpcCidrs(vpcId: string): CidrSet {
    return this.vpcs.get(vpcId) ?? DEFAULT_VPC;
  }

  /** Whether an instance exists in a region: any id when the region has no list of instances. */
  instanceExists(region: string, id: string): boolean {
    return this.knownInstances.get(region)?.has(id) ?? true;
  }

  /** The load balancers of a region. */
  elbRegion(region: string): Map<string, FakeLoadBalancer> {
    let r = this.elb.get(region);
    if (!r) this.elb.set(region, (r = new Map<string, FakeLoadBalancer>()));
    return r;
  }

  /** The target groups of a region. */
  elbv2Region(region: string): Map<string, FakeTargetGroup> {
    let r = this.elbv2.get(region);
    if (!r) this.elbv2.set(region, (r = new Map<string, FakeTargetGroup>()));
    return r;
  }

  /** Whether an instance id is terminated in a region. */
  isTerminated(region: string, id: string): boolean {
    return this.terminated.get(region)?.has(id) ?? false;
  }

  /** Adds a load balancer. */
  addLoadBalancer(region: string, name: string, instances: Iterable<string> = []): FakeLoadBalancer {
    const now = this.now();
    const lb: FakeLoadBalancer = {
      name,
      createdTime: new Date(now).toISOString(),
      instances: new Membership(),
      listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80, InstanceProtocol: 'HTTP' }],
      availabilityZones: [`${region}a`],
    };
    // Instances given with a load balancer (a loaded state) have passed their health checks already.
    lb.instances.reset([...instances].map((i) => [i, { registeredAt: now, inServiceAt: now }]));
    this.elbRegion(region).set(name, lb);
    return lb;
  }

  /** Adds a target group. */
  addTargetGroup(region: string, name: string, opts: TargetGroupOptions = {}): FakeTargetGroup {
    const tg: FakeTargetGroup = {
      name,
      arn:
        opts.arn ??
        `arn:aws:elasticloadbalancing:${region}:000000000000:targetgroup/${name}/${randomBytes(8).toString('hex')}`,
      port: opts.port ?? 80,
      protocol: opts.protocol ?? 'HTTP',
      targetType: opts.targetType ?? 'instance',
      vpcId: opts.vpcId ?? 'vpc-00000000',
      ipAddressType: opts.ipAddressType ?? 'ipv4',
      targets: new Membership(),
      unhealthy: new Set(),
    };
    this.elbv2Region(region).set(name, tg);
    return tg;
  }

  /** Adds a hosted zone with its SOA and NS sets. */
  addZone(name: string, id?: string, callerReference = ''): FakeZone {
    const zone: FakeZone = {
      id: id ?? `Z${randomBytes(10).toString('hex').toUpperCase().slice(0, 19)}`,
      name: zoneName(name),
      callerReference,
      recordSets: new Map(),
      lastChangeAt: 0,
    };
    const n = zone.name;
    zone.recordSets.set(recordKey(n, 'NS'), {
      name: n,
      type: 'NS',
      ttl: 172800,
      values: ['ns-1.awsdns-00.com.', 'ns-2.awsdns-00.net.'],
    });
    zone.recordSets.set(recordKey(n, 'SOA'), {
      name: n,
      type: 'SOA',
      ttl: 900,
      values: ['ns-1.awsdns-00.com. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'],
    });
    this.zones.set(zone.id, zone);
    return zone;
  }

  /** Replaces everything with a JSON state; throws a clear Error when it is not valid. */
  load(json: unknown): void {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new Error('state must be a JSON object');
    const s = json as FakeStateJson;
    this.elb.clear();
    this.elbv2.clear();
    this.zones.clear();
    this.terminated.clear();
    this.vpcs.clear();
    this.knownInstances.clear();
    loadElbSections(this, s);
    for (const [id, z] of Object.entries(s.route53?.zones ?? {})) {
      if (typeof z?.name !== 'string') throw new Error(`route53.zones.${id}.name must be a string`);
      const zone = this.addZone(z.name, id.replace(/^\/hostedzone\//, ''));
      if (!Array.isArray(z.recordSets ?? [])) throw new Error(`route53.zones.${id}.recordSets must be a list`);
      (z.recordSets ?? []).forEach((r, i) => {
        const where = `route53.zones.${id}.recordSets[${i}]`;
        if (typeof r?.name !== 'string') throw new Error(`${where} needs a name and a type`);
        // Names are kept decoded (`*`, not `\052`), as ChangeResourceRecordSets stores them.
        const set = recordSetFromJson(r, where, decodeRoute53Name(r.name));
        zone.recordSets.set(keyOf(set), set);
      });
    }
    for (const [region, ids] of Object.entries(s.terminated ?? {})) {
      if (!Array.isArray(ids)) throw new Error(`terminated.${region} must be a list`);
      this.terminated.set(region, new Set(ids));
    }
  }

  /** The JSON form of everything. */
  toJSON(): Required<FakeStateJson> {
    const zones: Record<string, { name: string; recordSets: FakeRecordSet[] }> = {};
    const order = (r: FakeRecordSet): string => `${r.name}\u0000${r.type}\u0000${r.setIdentifier ?? ''}`;
    for (const z of this.zones.values()) {
      zones[z.id] = {
        name: z.name,
        recordSets: [...z.recordSets.values()]
          .sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))
          .map(recordSetToJson),
      };
    }
    const terminated: Record<string, string[]> = {};
    for (const [region, ids] of this.terminated) terminated[region] = [...ids].sort();
    return { ...elbSectionsToJson(this), route53: { zones }, terminated };
  }
}
