import { CidrSet } from './ip-ranges.js';
import type { FakeLoadBalancer, FakeTargetGroup, TargetGroupOptions } from './elb-types.js';
import { DEFAULT_ELB_MODEL } from './elb-model.js';
import { isRegisteredAt, targetStateAt, type TargetRecord } from './target-lifecycle.js';

/** What loading and saving the ELB sections needs of the fake's state. */
interface ElbHolder {
  readonly elb: Map<string, Map<string, FakeLoadBalancer>>;
  readonly elbv2: Map<string, Map<string, FakeTargetGroup>>;
  readonly vpcs: Map<string, CidrSet>;
  readonly knownInstances: Map<string, Set<string>>;
  readonly now: () => number;
  addLoadBalancer(region: string, name: string, instances?: Iterable<string>): FakeLoadBalancer;
  addTargetGroup(region: string, name: string, opts?: TargetGroupOptions): FakeTargetGroup;
}

/** A target in the JSON state; `port` defaults to the group's. */
export interface TargetJson {
  id: string;
  port?: number;
  /** `all` for a target registered so (an IP outside the VPC), or a zone. */
  availabilityZone?: string;
}

/** A target group in the JSON state. */
export interface TargetGroupJson {
  arn?: string;
  port?: number;
  protocol?: string;
  targetType?: 'instance' | 'ip';
  vpcId?: string;
  ipAddressType?: 'ipv4' | 'ipv6';
  /** Its own "targets per target group" quota; the account's (`targetsPerGroup` fault, default 1000) when absent. */
  targetLimit?: number;
  /** Registration to `healthy`, in ms; the `healthyAfterMs` fault when absent. */
  healthyAfterMs?: number;
  /** How long a deregistered target stays `draining`, in ms; the `deregistrationDelayMs` fault when absent. */
  deregistrationDelayMs?: number;
  /** Targets (`id` or `id:port`) whose health checks fail: `unhealthy` instead of `healthy`, still registered. */
  unhealthy?: string[];
  /** Registered targets (initial or healthy); those of a loaded state are healthy. */
  targets?: TargetJson[];
  /** Deregistered targets still draining; those of a loaded state drain for the group's delay from the load. */
  draining?: TargetJson[];
}

/** The ELB and ELBv2 parts of the JSON state (`--state FILE`, `GET /_fake/state`, `POST /_fake/reset`). */
export interface ElbStateJson {
  elb?: Record<string, Record<string, { instances?: string[] }>>;
  elbv2?: Record<string, Record<string, TargetGroupJson>>;
  /** CIDR blocks per VPC id: one (`"10.1.0.0/16"`) or several, IPv4 and IPv6. Unlisted VPCs are 10.0.0.0/16. */
  vpcs?: Record<string, string | string[]>;
  /** The account's instances per region; where a region has a list, other instance ids do not exist there. */
  instances?: Record<string, string[]>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new Error(`${where} must be a list of strings`);
  return v;
}

function wholeNumber(v: unknown, where: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new Error(`${where} must be a whole number >= ${min}`);
  return v;
}

function targetList(
  v: unknown,
  where: string,
  g: FakeTargetGroup,
): Array<Required<Pick<TargetJson, 'id' | 'port'>> & TargetJson> {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${where} must be a list`);
  return v.map((t: unknown, i) => {
    if (!isObject(t) || typeof t.id !== 'string') throw new Error(`${where}[${i}] needs an id`);
    const port = wholeNumber(t.port, `${where}[${i}].port`, 1) ?? g.port;
    if (port > 65535) throw new Error(`${where}[${i}].port must be 1-65535`);
    if (t.availabilityZone !== undefined && typeof t.availabilityZone !== 'string')
      throw new Error(`${where}[${i}].availabilityZone must be a string`);
    return { id: t.id, port, ...(t.availabilityZone !== undefined ? { availabilityZone: t.availabilityZone } : {}) };
  });
}

function loadGroup(state: ElbHolder, region: string, name: string, tg: unknown): void {
  const where = `elbv2.${region}.${name}`;
  if (!isObject(tg)) throw new Error(`${where} must be an object`);
  const j = tg as TargetGroupJson;
  if (j.targetType !== undefined && j.targetType !== 'instance' && j.targetType !== 'ip')
    throw new Error(`${where}.targetType must be instance or ip`);
  if (j.ipAddressType !== undefined && j.ipAddressType !== 'ipv4' && j.ipAddressType !== 'ipv6')
    throw new Error(`${where}.ipAddressType must be ipv4 or ipv6`);
  const g = state.addTargetGroup(region, name, {
    ...(j.port !== undefined ? { port: wholeNumber(j.port, `${where}.port`, 1) as number } : {}),
    ...(j.protocol ? { protocol: j.protocol } : {}),
    ...(j.targetType ? { targetType: j.targetType } : {}),
    ...(j.vpcId ? { vpcId: j.vpcId } : {}),
    ...(j.arn ? { arn: j.arn } : {}),
    ...(j.ipAddressType ? { ipAddressType: j.ipAddressType } : {}),
  });
  const limit = wholeNumber(j.targetLimit, `${where}.targetLimit`, 1);
  const healthy = wholeNumber(j.healthyAfterMs, `${where}.healthyAfterMs`, 0);
  const delay = wholeNumber(j.deregistrationDelayMs, `${where}.deregistrationDelayMs`, 0);
  if (limit !== undefined) g.targetLimit = limit;
  if (healthy !== undefined) g.healthyAfterMs = healthy;
  if (delay !== undefined) g.deregistrationDelayMs = delay;
  for (const t of j.unhealthy === undefined ? [] : stringList(j.unhealthy, `${where}.unhealthy`)) g.unhealthy.add(t);
  const now = state.now();
  const records: Array<[string, TargetRecord]> = [];
  for (const t of targetList(j.targets, `${where}.targets`, g)) {
    records.push([`${t.id}:${t.port}`, { ...t, registeredAt: now, healthyAt: now }]);
  }
  const drainMs = g.deregistrationDelayMs ?? DEFAULT_ELB_MODEL.deregistrationDelayMs;
  for (const t of targetList(j.draining, `${where}.draining`, g)) {
    records.push([
      `${t.id}:${t.port}`,
      { ...t, registeredAt: now, healthyAt: now, drainingFrom: now, goneAt: now + drainMs },
    ]);
  }
  g.targets.reset(records);
}

/** Loads the ELB, ELBv2, VPC and instance parts of a JSON state into an emptied state; throws a clear Error. */
export function loadElbSections(state: ElbHolder, s: ElbStateJson): void {
  for (const [region, lbs] of Object.entries(s.elb ?? {})) {
    for (const [name, lb] of Object.entries(lbs ?? {})) {
      if (!Array.isArray(lb?.instances ?? [])) throw new Error(`elb.${region}.${name}.instances must be a list`);
      state.addLoadBalancer(region, name, stringList(lb?.instances ?? [], `elb.${region}.${name}.instances`));
    }
  }
  for (const [region, tgs] of Object.entries(s.elbv2 ?? {})) {
    for (const [name, tg] of Object.entries(tgs ?? {})) loadGroup(state, region, name, tg);
  }
  if (s.vpcs !== undefined && !isObject(s.vpcs)) throw new Error('vpcs must be an object: {"vpc-…": "10.0.0.0/16"}');
  for (const [id, cidrs] of Object.entries(s.vpcs ?? {})) {
    const list = typeof cidrs === 'string' ? [cidrs] : stringList(cidrs, `vpcs.${id}`);
    try {
      state.vpcs.set(id, new CidrSet(list));
    } catch (e) {
      throw new Error(`vpcs.${id}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (s.instances !== undefined && !isObject(s.instances))
    throw new Error('instances must be an object: {"us-east-1": ["i-…"]}');
  for (const [region, ids] of Object.entries(s.instances ?? {})) {
    state.knownInstances.set(region, new Set(stringList(ids, `instances.${region}`)));
  }
}

const byIdPort = (a: { id: string; port: number }, b: { id: string; port: number }): number =>
  a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1;

function targetJson(t: TargetRecord): Required<Pick<TargetJson, 'id' | 'port'>> & TargetJson {
  // A zone the fake detected itself is not part of what was registered; `all` and given zones are.
  return { id: t.id, port: t.port, ...(t.availabilityZone === 'all' ? { availabilityZone: 'all' } : {}) };
}

/** The JSON form of the ELB, ELBv2, VPC and instance parts of a state, as they are now (never lagged). */
export function elbSectionsToJson(state: ElbHolder): Required<ElbStateJson> {
  const now = state.now();
  const elb: NonNullable<ElbStateJson['elb']> = {};
  for (const [region, lbs] of state.elb) {
    elb[region] = {};
    for (const [name, lb] of lbs) elb[region][name] = { instances: [...lb.instances.current.keys()].sort() };
  }
  const elbv2: NonNullable<ElbStateJson['elbv2']> = {};
  for (const [region, tgs] of state.elbv2) {
    elbv2[region] = {};
    for (const [name, g] of tgs) {
      const all = [...g.targets.current.values()];
      elbv2[region][name] = {
        arn: g.arn,
        port: g.port,
        protocol: g.protocol,
        targetType: g.targetType,
        vpcId: g.vpcId,
        ipAddressType: g.ipAddressType,
        ...(g.targetLimit !== undefined ? { targetLimit: g.targetLimit } : {}),
        ...(g.healthyAfterMs !== undefined ? { healthyAfterMs: g.healthyAfterMs } : {}),
        ...(g.deregistrationDelayMs !== undefined ? { deregistrationDelayMs: g.deregistrationDelayMs } : {}),
        ...(g.unhealthy.size > 0 ? { unhealthy: [...g.unhealthy].sort() } : {}),
        targets: all
          .filter((t) => isRegisteredAt(t, now))
          .map(targetJson)
          .sort(byIdPort),
        draining: all
          .filter((t) => targetStateAt(t, now) === 'draining')
          .map(targetJson)
          .sort(byIdPort),
      };
    }
  }
  const vpcs: Record<string, string[]> = {};
  for (const [id, set] of state.vpcs) vpcs[id] = [...set.blocks];
  const instances: Record<string, string[]> = {};
  for (const [region, ids] of state.knownInstances) instances[region] = [...ids].sort();
  return { elb, elbv2, vpcs, instances };
}
