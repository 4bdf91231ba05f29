import {
  AwsCallError,
  membershipKey,
  type MembershipProvider,
  type MembershipTarget,
  type Route53Provider,
} from './types.js';
import { routingOfSet, type ForeignSet, type RecordChange, type RecordSet, type ZoneRecords } from '../plan/records.js';

/** One call an in-memory provider answered, for tests that count or order calls. */
export interface MemoryCall {
  readonly op: 'read' | 'register' | 'deregister' | 'readRecordSets' | 'changeRecordSets';
  readonly target: string;
  readonly members: readonly string[];
  /** `ok` or the error code. */
  readonly outcome: string;
}

/** A load balancer / target group store in memory, with the failure modes the reconciler must handle. */
export class MemoryMembershipProvider implements MembershipProvider {
  readonly groups = new Map<string, Set<string>>();
  readonly calls: MemoryCall[] = [];
  /** Members AWS would reject (terminated instances): a call containing one fails whole with InvalidInstance. */
  readonly invalid = new Set<string>();
  /** Whether InvalidInstance errors name their offenders (ELBv2 does, Classic ELB does one at a time). */
  nameOffenders = true;
  /** Set to make the next calls fail with this error. */
  failNext: AwsCallError[] = [];
  /** Most members a group may hold (AWS's targets-per-group quota), by `region/name`. */
  readonly limits = new Map<string, number>();

  /** Creates a load balancer with members. */
  create(region: string, name: string, members: readonly string[] = []): void {
    this.groups.set(`${region}/${name}`, new Set(members));
  }

  /** The members of a load balancer, sorted. */
  members(region: string, name: string): string[] {
    return [...(this.groups.get(`${region}/${name}`) ?? [])].sort();
  }

  private begin(op: MemoryCall['op'], t: MembershipTarget, members: readonly string[]): Set<string> {
    const k = membershipKey(t);
    const injected = this.failNext.shift();
    if (injected) {
      this.calls.push({ op, target: k, members, outcome: injected.code });
      throw injected;
    }
    const g = this.groups.get(k);
    if (!g) {
      this.calls.push({ op, target: k, members, outcome: 'LoadBalancerNotFound' });
      throw new AwsCallError('not-found', 'LoadBalancerNotFound', `There is no ACTIVE Load Balancer named '${t.name}'`);
    }
    const bad = members.filter((m) => this.invalid.has(m));
    if (op === 'register' && bad.length > 0) {
      this.calls.push({ op, target: k, members, outcome: 'InvalidInstance' });
      throw new AwsCallError(
        'invalid-member',
        'InvalidInstance',
        `Could not find EC2 instance ${bad.join(', ')}.`,
        this.nameOffenders ? bad : [],
      );
    }
    this.calls.push({ op, target: k, members, outcome: 'ok' });
    return g;
  }

  /** @inheritdoc */
  readMembers(target: MembershipTarget): Promise<string[]> {
    return Promise.resolve().then(() => [...this.begin('read', target, [])].sort());
  }

  /** @inheritdoc */
  register(target: MembershipTarget, members: readonly string[]): Promise<void> {
    return Promise.resolve().then(() => {
      const k = membershipKey(target);
      const limit = this.limits.get(k);
      const g = this.groups.get(k);
      if (limit !== undefined && g && new Set([...g, ...members]).size > limit) {
        this.calls.push({ op: 'register', target: k, members, outcome: 'TooManyTargets' });
        throw new AwsCallError(
          'other',
          'TooManyTargets',
          `You've reached the limit on the number of targets (${limit})`,
        );
      }
      const group = this.begin('register', target, members);
      for (const m of members) group.add(m);
    });
  }

  /** @inheritdoc */
  deregister(target: MembershipTarget, members: readonly string[]): Promise<void> {
    return Promise.resolve().then(() => {
      const g = this.begin('deregister', target, members);
      for (const m of members) g.delete(m);
    });
  }
}

/** Hosted zones in memory with Route53's batch semantics (all or nothing, exact DELETE). */
export class MemoryRoute53Provider implements Route53Provider {
  /** Sets by name, type and SetIdentifier, per zone. */
  readonly zones = new Map<string, Map<string, RecordSet>>();
  /** Sets lbmanager does not own (alias, routing-policy, CNAME), per zone. */
  readonly foreign = new Map<string, ForeignSet[]>();
  readonly calls: MemoryCall[] = [];
  /** Values Route53 would reject (InvalidChangeBatch naming the set). */
  readonly invalidValues = new Set<string>();

  /** Creates an empty zone. */
  createZone(zoneId: string): void {
    this.zones.set(zoneId, new Map());
    this.foreign.set(zoneId, []);
  }

  /** Puts a set lbmanager does not own into a zone. */
  addForeign(zoneId: string, set: ForeignSet): void {
    this.foreign.get(zoneId)?.push(set);
  }

  /** The sets of a zone, sorted by name, type and SetIdentifier. */
  sets(zoneId: string): RecordSet[] {
    return [...(this.zones.get(zoneId)?.entries() ?? [])]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, set]) => set);
  }

  /** @inheritdoc */
  readRecordSets(zoneId: string, names: readonly string[] | 'all'): Promise<ZoneRecords> {
    const z = this.zones.get(zoneId);
    if (!z) {
      this.calls.push({ op: 'readRecordSets', target: zoneId, members: [], outcome: 'NoSuchHostedZone' });
      return Promise.reject(
        new AwsCallError('not-found', 'NoSuchHostedZone', `No hosted zone found with ID: ${zoneId}`),
      );
    }
    this.calls.push({
      op: 'readRecordSets',
      target: zoneId,
      members: names === 'all' ? [] : [...names],
      outcome: 'ok',
    });
    const wanted = names === 'all' ? undefined : new Set(names);
    const keep = (name: string): boolean => !wanted || wanted.has(name);
    return Promise.resolve({
      owned: this.sets(zoneId).filter((s) => keep(s.name)),
      foreign: (this.foreign.get(zoneId) ?? []).filter((s) => keep(s.name)),
    });
  }

  /** @inheritdoc */
  changeRecordSets(zoneId: string, changes: readonly RecordChange[]): Promise<void> {
    const z = this.zones.get(zoneId);
    const names = changes.map(
      (c) => `${c.action} ${c.set.name}/${c.set.type}${c.set.setIdentifier ? `/${c.set.setIdentifier}` : ''}`,
    );
    if (!z) {
      this.calls.push({ op: 'changeRecordSets', target: zoneId, members: names, outcome: 'NoSuchHostedZone' });
      return Promise.reject(
        new AwsCallError('not-found', 'NoSuchHostedZone', `No hosted zone found with ID: ${zoneId}`),
      );
    }
    const failures: string[] = [];
    const offenders: string[] = [];
    const foreign = this.foreign.get(zoneId) ?? [];
    // As Route53, the batch is checked in order against the zone as the changes before leave it.
    const work = new Map(z);
    for (const c of changes) {
      const k = keyOf(c.set);
      const cur = work.get(k);
      const refusedBy = c.action === 'UPSERT' ? refusal(c.set, work, foreign) : undefined;
      if (refusedBy) {
        failures.push(
          `RRSet with DNS name ${c.set.name}., type ${c.set.type} cannot be created: a ${refusedBy} set is in the way`,
        );
        offenders.push(`${c.set.name}/${c.set.type}`);
      } else if (c.set.values.some((v) => this.invalidValues.has(v))) {
        failures.push(
          `Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address encountered with '${c.set.values.join(',')}'`,
        );
        offenders.push(`${c.set.name}/${c.set.type}`);
      } else if (c.action === 'DELETE' && (!cur || !sameFields(cur, c.set))) {
        failures.push(
          `Tried to delete resource record set [name='${c.set.name}.', type='${c.set.type}'] but the values provided do not match the current values`,
        );
      } else if (c.action === 'DELETE') work.delete(k);
      else work.set(k, { ...c.set, values: [...c.set.values] });
    }
    if (failures.length > 0) {
      this.calls.push({ op: 'changeRecordSets', target: zoneId, members: names, outcome: 'InvalidChangeBatch' });
      return Promise.reject(
        new AwsCallError('invalid-member', 'InvalidChangeBatch', `[${failures.join(', ')}]`, offenders),
      );
    }
    z.clear();
    for (const [k, set] of work) z.set(k, set);
    for (const c of changes) {
      if (c.action !== 'UPSERT' || c.set.setIdentifier !== undefined) continue;
      // As Route53: an UPSERT replaces the alias set of its name and type.
      const alias = foreign.findIndex((f) => f.kind === 'alias' && f.name === c.set.name && f.type === c.set.type);
      if (alias >= 0) foreign.splice(alias, 1);
    }
    this.calls.push({ op: 'changeRecordSets', target: zoneId, members: names, outcome: 'ok' });
    return Promise.resolve();
  }
}

const keyOf = (s: RecordSet): string => `${s.name}/${s.type}/${s.setIdentifier ?? ''}`;

const sameFields = (a: RecordSet, b: RecordSet): boolean =>
  a.ttl === b.ttl &&
  a.weight === b.weight &&
  (a.multiValueAnswer ?? false) === (b.multiValueAnswer ?? false) &&
  [...a.values].sort().join() === [...b.values].sort().join();

/**
 * Why Route53 would refuse to write a set, as far as the tests need: a CNAME at its name, routing-policy sets of
 * another owner (or another policy) beside it, or, for a routing-policy set, a plain or alias set or sets of another
 * policy of its name and type.
 */
function refusal(
  set: RecordSet,
  zone: ReadonlyMap<string, RecordSet>,
  foreign: readonly ForeignSet[],
): string | undefined {
  const policy = routingOfSet(set);
  const here = foreign.filter((f) => f.name === set.name && (f.kind === 'cname' || f.type === set.type));
  const cname = here.find((f) => f.kind === 'cname');
  if (cname) return cname.kind;
  const other = here.find((f) =>
    policy === 'plain' ? f.kind === 'routing-policy' : f.kind === 'alias' || f.policy !== policy,
  );
  if (other) return other.kind;
  for (const s of zone.values()) {
    if (s.name !== set.name || s.type !== set.type || keyOf(s) === keyOf(set)) continue;
    if (routingOfSet(s) !== policy) return policy === 'plain' ? 'routing-policy' : 'plain';
  }
  return undefined;
}
