import { randomBytes } from 'node:crypto';
import { decodeRoute53Name } from '../util/dns-name.js';
import { keyOf, recordKey, recordSetFromJson, recordSetToJson, type FakeRecordSet } from './route53-record.js';

export { recordKey, type FakeRecordSet };

/** A Classic ELB load balancer. */
export interface FakeLoadBalancer {
  readonly name: string;
  readonly createdTime: string;
  readonly instances: Set<string>;
  readonly listeners: Array<{
    Protocol: string;
    LoadBalancerPort: number;
    InstancePort: number;
    InstanceProtocol?: string;
  }>;
  readonly availabilityZones: string[];
}

/** An ELBv2 target group; targets keyed `id:port`. */
export interface FakeTargetGroup {
  readonly name: string;
  readonly arn: string;
  readonly port: number;
  readonly protocol: string;
  readonly targetType: 'instance' | 'ip';
  readonly vpcId: string;
  readonly targets: Map<string, { id: string; port: number }>;
}

/** A Route53 hosted zone; record sets keyed `name|type|setIdentifier`. */
export interface FakeZone {
  readonly id: string;
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly callerReference: string;
  readonly recordSets: Map<string, FakeRecordSet>;
  lastChangeAt: number;
}

/** The JSON form of the state (`--state FILE`, `GET /_fake/state`). */
export interface FakeStateJson {
  elb?: Record<string, Record<string, { instances?: string[] }>>;
  elbv2?: Record<
    string,
    Record<
      string,
      {
        arn?: string;
        port?: number;
        protocol?: string;
        targetType?: 'instance' | 'ip';
        vpcId?: string;
        targets?: Array<{ id: string; port?: number }>;
      }
    >
  >;
  route53?: {
    /** Record sets in the form of {@link recordSetToJson}; `ttl` and `values` may be left out of old files. */
    zones?: Record<string, { name: string; recordSets?: Array<Partial<FakeRecordSet>> }>;
  };
  terminated?: Record<string, string[]>;
}

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
    const lb: FakeLoadBalancer = {
      name,
      createdTime: new Date().toISOString(),
      instances: new Set(instances),
      listeners: [{ Protocol: 'HTTP', LoadBalancerPort: 80, InstancePort: 80, InstanceProtocol: 'HTTP' }],
      availabilityZones: [`${region}a`],
    };
    this.elbRegion(region).set(name, lb);
    return lb;
  }

  /** Adds a target group. */
  addTargetGroup(
    region: string,
    name: string,
    opts: { port?: number; protocol?: string; targetType?: 'instance' | 'ip'; vpcId?: string; arn?: string } = {},
  ): FakeTargetGroup {
    const tg: FakeTargetGroup = {
      name,
      arn:
        opts.arn ??
        `arn:aws:elasticloadbalancing:${region}:000000000000:targetgroup/${name}/${randomBytes(8).toString('hex')}`,
      port: opts.port ?? 80,
      protocol: opts.protocol ?? 'HTTP',
      targetType: opts.targetType ?? 'instance',
      vpcId: opts.vpcId ?? 'vpc-00000000',
      targets: new Map(),
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
    for (const [region, lbs] of Object.entries(s.elb ?? {})) {
      for (const [name, lb] of Object.entries(lbs ?? {})) {
        if (!Array.isArray(lb?.instances ?? [])) throw new Error(`elb.${region}.${name}.instances must be a list`);
        this.addLoadBalancer(region, name, lb?.instances ?? []);
      }
    }
    for (const [region, tgs] of Object.entries(s.elbv2 ?? {})) {
      for (const [name, tg] of Object.entries(tgs ?? {})) {
        const g = this.addTargetGroup(region, name, {
          ...(tg.port !== undefined ? { port: tg.port } : {}),
          ...(tg.protocol ? { protocol: tg.protocol } : {}),
          ...(tg.targetType ? { targetType: tg.targetType } : {}),
          ...(tg.vpcId ? { vpcId: tg.vpcId } : {}),
          ...(tg.arn ? { arn: tg.arn } : {}),
        });
        for (const t of tg.targets ?? []) {
          if (typeof t?.id !== 'string') throw new Error(`elbv2.${region}.${name}.targets need an id`);
          const port = t.port ?? g.port;
          g.targets.set(`${t.id}:${port}`, { id: t.id, port });
        }
      }
    }
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
    const elb: NonNullable<FakeStateJson['elb']> = {};
    for (const [region, lbs] of this.elb) {
      elb[region] = {};
      for (const [name, lb] of lbs) elb[region][name] = { instances: [...lb.instances].sort() };
    }
    const elbv2: NonNullable<FakeStateJson['elbv2']> = {};
    for (const [region, tgs] of this.elbv2) {
      elbv2[region] = {};
      for (const [name, g] of tgs) {
        elbv2[region][name] = {
          arn: g.arn,
          port: g.port,
          protocol: g.protocol,
          targetType: g.targetType,
          vpcId: g.vpcId,
          targets: [...g.targets.values()].sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1)),
        };
      }
    }
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
    return { elb, elbv2, route53: { zones }, terminated };
  }
}
