// A Route53 record set as the fake holds it: its fields, its identity, exact comparison (DELETE) and its JSON form
// (`--state`, `GET /_fake/state`). Field meanings follow the API reference's ResourceRecordSet
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html).

/** Where an alias set points. */
export interface FakeAliasTarget {
  readonly hostedZoneId: string;
  /** Lower case with a trailing dot, as Route53 lists it. */
  readonly dnsName: string;
  readonly evaluateTargetHealth: boolean;
}

/** The location of a geolocation set. */
export interface FakeGeoLocation {
  readonly continentCode?: string;
  readonly countryCode?: string;
  readonly subdivisionCode?: string;
}

/** A Route53 record set. */
export interface FakeRecordSet {
  /** Lower case, no trailing dot, decoded (`*`, not `\052`). */
  readonly name: string;
  readonly type: string;
  /** Absent for an alias set (it has no TTL of its own). */
  readonly ttl?: number;
  /** Empty for an alias set. */
  readonly values: string[];
  readonly aliasTarget?: FakeAliasTarget;
  /** Present exactly when the set has a routing policy other than simple. */
  readonly setIdentifier?: string;
  readonly weight?: number;
  /** Latency routing: the AWS region of the resource. */
  readonly region?: string;
  readonly failover?: 'PRIMARY' | 'SECONDARY';
  readonly geoLocation?: FakeGeoLocation;
  /** Only ever true: false is the same as absent. */
  readonly multiValueAnswer?: boolean;
  readonly healthCheckId?: string;
}

/** The routing policies of sets that carry a SetIdentifier. */
export type RoutingPolicy = 'weighted' | 'latency' | 'failover' | 'geolocation' | 'multivalue';

/** The key of a record set in a zone: name, type and SetIdentifier identify it. */
export function recordKey(name: string, type: string, setIdentifier?: string): string {
  return `${name}|${type}|${setIdentifier ?? ''}`;
}

/** The key of a record set. */
export function keyOf(s: FakeRecordSet): string {
  return recordKey(s.name, s.type, s.setIdentifier);
}

/** The routing policies a set names (a valid set names exactly one when it has a SetIdentifier, none otherwise). */
export function routingPolicies(s: FakeRecordSet): RoutingPolicy[] {
  const out: RoutingPolicy[] = [];
  if (s.weight !== undefined) out.push('weighted');
  if (s.region !== undefined) out.push('latency');
  if (s.failover !== undefined) out.push('failover');
  if (s.geoLocation !== undefined) out.push('geolocation');
  if (s.multiValueAnswer === true) out.push('multivalue');
  return out;
}

/** The routing policy of a set, or undefined for a simple (plain or alias) set. */
export function routingPolicy(s: FakeRecordSet): RoutingPolicy | undefined {
  return routingPolicies(s)[0];
}

/** An alias target's DNS name as Route53 lists it: lower case, one trailing dot. */
export function aliasDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

const sameGeo = (a?: FakeGeoLocation, b?: FakeGeoLocation): boolean =>
  a?.continentCode === b?.continentCode &&
  a?.countryCode === b?.countryCode &&
  a?.subdivisionCode === b?.subdivisionCode;

const sameAlias = (a?: FakeAliasTarget, b?: FakeAliasTarget): boolean =>
  a === undefined || b === undefined
    ? a === b
    : a.hostedZoneId === b.hostedZoneId && a.dnsName === b.dnsName && a.evaluateTargetHealth === b.evaluateTargetHealth;

/**
 * Whether a DELETE's set matches a stored one exactly: "To delete a resource record set, you must specify all the same
 * values that you specified when you created it" (ChangeResourceRecordSets,
 * https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html): TTL and values, or the
 * alias target, and every routing field.
 */
export function sameRecordSet(a: FakeRecordSet, b: FakeRecordSet): boolean {
  return (
    a.ttl === b.ttl &&
    sameValues(a.values, b.values) &&
    sameAlias(a.aliasTarget, b.aliasTarget) &&
    a.weight === b.weight &&
    a.region === b.region &&
    a.failover === b.failover &&
    sameGeo(a.geoLocation, b.geoLocation) &&
    (a.multiValueAnswer ?? false) === (b.multiValueAnswer ?? false) &&
    a.healthCheckId === b.healthCheckId
  );
}

/** The JSON form of a record set: its fields, absent ones left out. */
export function recordSetToJson(s: FakeRecordSet): FakeRecordSet {
  return {
    name: s.name,
    type: s.type,
    ...(s.ttl !== undefined ? { ttl: s.ttl } : {}),
    values: [...s.values],
    ...(s.aliasTarget ? { aliasTarget: { ...s.aliasTarget } } : {}),
    ...(s.setIdentifier !== undefined ? { setIdentifier: s.setIdentifier } : {}),
    ...(s.weight !== undefined ? { weight: s.weight } : {}),
    ...(s.region !== undefined ? { region: s.region } : {}),
    ...(s.failover !== undefined ? { failover: s.failover } : {}),
    ...(s.geoLocation ? { geoLocation: { ...s.geoLocation } } : {}),
    ...(s.multiValueAnswer ? { multiValueAnswer: true } : {}),
    ...(s.healthCheckId !== undefined ? { healthCheckId: s.healthCheckId } : {}),
  };
}

type Json = Record<string, unknown>;

function field<T>(o: Json, k: string, kind: 'string' | 'number' | 'boolean', where: string): T | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== kind) throw new Error(`${where}.${k} must be a ${kind}`);
  return v as T;
}

function object(v: unknown, where: string): Json | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where} must be an object`);
  return v as Json;
}

/**
 * A record set from its JSON form; throws a clear Error naming `where` when a field has the wrong type. State files
 * written before alias and routing fields existed (`{name, type, ttl, values}`) load as they always did: a missing TTL
 * is 300 for a set that is not an alias.
 */
export function recordSetFromJson(input: unknown, where: string, name: string): FakeRecordSet {
  const o = object(input, where) ?? {};
  const type = field<string>(o, 'type', 'string', where);
  if (type === undefined) throw new Error(`${where} needs a name and a type`);
  const values = o.values ?? [];
  if (!Array.isArray(values) || !values.every((v) => typeof v === 'string'))
    throw new Error(`${where}.values must be a list of strings`);
  const alias = object(o.aliasTarget, `${where}.aliasTarget`);
  let aliasTarget: FakeAliasTarget | undefined;
  if (alias) {
    const w = `${where}.aliasTarget`;
    const hostedZoneId = field<string>(alias, 'hostedZoneId', 'string', w);
    const dnsName = field<string>(alias, 'dnsName', 'string', w);
    if (hostedZoneId === undefined || dnsName === undefined) throw new Error(`${w} needs hostedZoneId and dnsName`);
    const evaluateTargetHealth = field<boolean>(alias, 'evaluateTargetHealth', 'boolean', w) ?? false;
    aliasTarget = { hostedZoneId, dnsName: aliasDnsName(dnsName), evaluateTargetHealth };
  }
  const geo = object(o.geoLocation, `${where}.geoLocation`);
  const geoLocation: FakeGeoLocation | undefined = geo && {
    ...optional('continentCode', field<string>(geo, 'continentCode', 'string', `${where}.geoLocation`)),
    ...optional('countryCode', field<string>(geo, 'countryCode', 'string', `${where}.geoLocation`)),
    ...optional('subdivisionCode', field<string>(geo, 'subdivisionCode', 'string', `${where}.geoLocation`)),
  };
  const failover = field<FakeRecordSet['failover']>(o, 'failover', 'string', where);
  if (failover !== undefined && !['PRIMARY', 'SECONDARY'].includes(failover))
    throw new Error(`${where}.failover must be PRIMARY or SECONDARY`);
  const ttl = field<number>(o, 'ttl', 'number', where) ?? (aliasTarget ? undefined : 300);
  return {
    name,
    type,
    ...optional('ttl', ttl),
    values: [...values],
    ...optional('aliasTarget', aliasTarget),
    ...optional('setIdentifier', field<string>(o, 'setIdentifier', 'string', where)),
    ...optional('weight', field<number>(o, 'weight', 'number', where)),
    ...optional('region', field<string>(o, 'region', 'string', where)),
    ...optional('failover', failover),
    ...optional('geoLocation', geoLocation),
    ...(field<boolean>(o, 'multiValueAnswer', 'boolean', where) ? { multiValueAnswer: true } : {}),
    ...optional('healthCheckId', field<string>(o, 'healthCheckId', 'string', where)),
  };
}

/** `{ [k]: v }` when v is defined, `{}` otherwise, so that an absent field stays absent (not `k: undefined`). */
export function optional<K extends string, V>(k: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: V };
}
