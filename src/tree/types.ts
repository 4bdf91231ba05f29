/** The kinds of target the key tree can describe (docs/architecture.md, Key grammar). */
export type TargetKind = 'elb' | 'elbv2' | 'route53';

/**
 * `single`: only the newest member; `multiple`: every member; for route53 keys also the routing-policy classes,
 * `weighted` and `multivalue`: every member, each in a record set of its own (docs/architecture.md, Desired state).
 */
export type MemberClass = 'single' | 'multiple' | PolicyClass;

/** The classes whose members Route53 answers through routing-policy sets lbmanager owns (route53 keys only). */
export type PolicyClass = 'weighted' | 'multivalue';

/** A Classic ELB load balancer, identified by region and name. */
export interface ElbTarget {
  readonly kind: 'elb';
  readonly region: string;
  readonly name: string;
}

/** An ELBv2 target group, identified by region and name. */
export interface Elbv2Target {
  readonly kind: 'elbv2';
  readonly region: string;
  readonly name: string;
}

/**
 * A Route53 name in a hosted zone. The region only picks the API endpoint: Route53 is global, so the same zone and name
 * under two regions are one target (the region is not part of the target id).
 */
export interface Route53Target {
  readonly kind: 'route53';
  readonly region: string;
  readonly zoneId: string;
  /** Lower case, no trailing dot; may start with `*.`. */
  readonly fqdn: string;
}

/** Any target whose membership lbmanager manages. */
export type Target = ElbTarget | Elbv2Target | Route53Target;

/** One valid member key of the tree. */
export interface MemberKey {
  readonly key: string;
  readonly target: Target;
  /** Stable id of the target, see {@link targetId}. */
  readonly targetId: string;
  readonly memberClass: MemberClass;
  /**
   * The member in canonical form: an instance id (elb); `i-…`, `i-…:port`, `10.0.0.5:80`, `[2001:db8::5]:80`, `2001:db8::5`
   * (elbv2, IPv6 canonical); a canonical IPv4 or IPv6 address (route53).
   */
  readonly member: string;
  /** `weighted` keys only: the weight their value gives (0-255; an empty value is 1). */
  readonly weight?: number;
}

/** A key under the prefix that is not a valid member key, with the reason. */
export interface MalformedKey {
  readonly key: string;
  readonly reason: string;
}

/** What parsing one key yields: a member or a malformed key, never an exception. */
export type ParsedKey =
  { readonly ok: true; readonly value: MemberKey } | { readonly ok: false; readonly value: MalformedKey };

/** One key of the tree as read from etcd: its name and the revision of its last write. */
export interface TreeEntry {
  readonly key: string;
  readonly modRevision: bigint;
  /**
   * The key's value where lbmanager uses it: a `weighted` key's weight. The snapshot reads keys only and then the
   * values of `weighted` keys, so other entries may leave it out (docs/architecture.md, Read).
   */
  readonly value?: string;
}

/** The desired membership of one target: a pure function of its keys (docs/architecture.md, Desired state). */
export interface DesiredTarget {
  readonly target: Target;
  readonly targetId: string;
  /** The class of the newest key, or undefined when the target has no keys. */
  readonly activeClass: MemberClass | undefined;
  /** Sorted, canonical, without duplicates. */
  readonly members: readonly string[];
  /** `weighted` only: each member's weight. */
  readonly weights?: Readonly<Record<string, number>>;
}

/** The stable id of a target: `elb/<region>/<name>`, `elbv2/<region>/<name>`, `route53/<zoneId>/<fqdn>`. */
export function targetId(target: Target): string {
  switch (target.kind) {
    case 'elb':
    case 'elbv2':
      return `${target.kind}/${target.region}/${target.name}`;
    case 'route53':
      return `route53/${target.zoneId}/${target.fqdn}`;
  }
}

/**
 * The key of the unit of serialisation (docs/architecture.md, Reconciling): a load balancer or target group is reconciled on its own; every name
 * of a hosted zone is reconciled together, so the key is the zone: `route53/<zoneId>`.
 */
export function workKey(target: Target): string {
  return target.kind === 'route53' ? `route53/${target.zoneId}` : targetId(target);
}
