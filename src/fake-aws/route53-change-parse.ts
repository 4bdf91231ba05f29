// Reads a ChangeResourceRecordSets body into changes, refusing what Route53 refuses before it looks at the zone: the
// request's shape (InvalidInput). Conflicts with the zone's sets are route53-change-rules.ts's business.
import { decodeRoute53Name } from '../util/dns-name.js';
import { ApiError } from './api.js';
import { aliasDnsName, optional, routingPolicies, type FakeGeoLocation, type FakeRecordSet } from './route53-record.js';
import { parseXml } from './xml.js';

/** One change of a batch. */
export interface ParsedChange {
  readonly action: 'CREATE' | 'DELETE' | 'UPSERT';
  readonly set: FakeRecordSet;
}

// ResourceRecordSetRegion's valid values (API reference, ResourceRecordSet.Region:
// https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html), as botocore 1.43's model
// lists them.
const REGIONS = new Set(
  (
    'us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-central-2 ' +
    'ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-northeast-1 ap-northeast-2 ap-northeast-3 eu-north-1 sa-east-1 ' +
    'cn-north-1 cn-northwest-1 ap-east-1 me-south-1 me-central-1 ap-south-1 ap-south-2 af-south-1 eu-south-1 ' +
    'eu-south-2 ap-southeast-4 il-central-1 ca-west-1 ap-southeast-5 mx-central-1 ap-southeast-7 us-gov-east-1 ' +
    'us-gov-west-1 ap-east-2 ap-southeast-6 eusc-de-east-1'
  ).split(' '),
);
const ACTIONS = ['CREATE', 'DELETE', 'UPSERT'] as const;
const MAX_TTL = 2147483647;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);
const has = (o: Obj, k: string): boolean => o[k] !== undefined;

/**
 * Route53 answers a request that breaks its model's constraints with one InvalidInput listing every violation, in the
 * service's usual words: "1 validation error detected: Value '-1' at
 * 'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value greater
 * than or equal to 0" (the member's name with its first letter in lower case).
 */
class Violations {
  private readonly list: string[] = [];
  add(value: string, path: string, constraint: string): void {
    this.list.push(`Value '${value}' at '${path}' failed to satisfy constraint: ${constraint}`);
  }
  throwIfAny(): void {
    const n = this.list.length;
    if (n === 0) return;
    throw new ApiError(
      400,
      'InvalidInput',
      `${n} validation error${n === 1 ? '' : 's'} detected: ${this.list.join('; ')}`,
    );
  }
}

function wholeNumber(
  text: string | undefined,
  path: string,
  min: number,
  max: number,
  v: Violations,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim())) {
    throw new ApiError(400, 'InvalidInput', `Invalid request: Value '${text}' at '${path}' is not a whole number`);
  }
  if (n < min) v.add(text, path, `Member must have value greater than or equal to ${min}`);
  else if (n > max) v.add(text, path, `Member must have value less than or equal to ${max}`);
  return n;
}

/** How AWS's InvalidInput names a change: `Change with [Action=CREATE, Name=x.example, Type=A, SetIdentifier=null]`. */
function changeWith(action: string, rawName: string, type: string, setIdentifier?: string): string {
  return `Change with [Action=${action}, Name=${rawName}, Type=${type}, SetIdentifier=${setIdentifier ?? 'null'}]`;
}

function parseGeoLocation(v: unknown): FakeGeoLocation {
  const g = obj(v);
  return {
    ...optional('continentCode', str(g.ContinentCode)),
    ...optional('countryCode', str(g.CountryCode)),
    ...optional('subdivisionCode', str(g.SubdivisionCode)),
  };
}

/** One change: the fields of its ResourceRecordSet, checked against the model's constraints and AWS's pairing rules. */
function parseChange(c: unknown, index: number, v: Violations): ParsedChange {
  const change = obj(c);
  const rrs = obj(change.ResourceRecordSet);
  const path = `changeBatch.changes.${index}.member`;
  const rawName = str(rrs.Name);
  const type = str(rrs.Type);
  const action = str(change.Action);
  if (!rawName || !type || !action) {
    throw new ApiError(
      400,
      'InvalidInput',
      'Invalid request: each Change needs an Action (CREATE, DELETE, UPSERT), a Name and a Type',
    );
  }
  if (!(ACTIONS as readonly string[]).includes(action)) {
    v.add(action, `${path}.action`, `Member must satisfy enum value set: [${ACTIONS.join(', ')}]`);
  }
  const setPath = `${path}.resourceRecordSet`;
  const setIdentifier = str(rrs.SetIdentifier);
  if (setIdentifier !== undefined && (setIdentifier.length < 1 || setIdentifier.length > 128)) {
    const bound = setIdentifier.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 128';
    v.add(setIdentifier, `${setPath}.setIdentifier`, `Member must have length ${bound}`);
  }
  const ttl = wholeNumber(str(rrs.TTL), `${setPath}.tTL`, 0, MAX_TTL, v);
  const weight = wholeNumber(str(rrs.Weight), `${setPath}.weight`, 0, 255, v);
  const region = str(rrs.Region);
  if (region !== undefined && !REGIONS.has(region)) {
    v.add(region, `${setPath}.region`, `Member must satisfy enum value set: [${[...REGIONS].join(', ')}]`);
  }
  const failover = str(rrs.Failover);
  if (failover !== undefined && failover !== 'PRIMARY' && failover !== 'SECONDARY') {
    v.add(failover, `${setPath}.failover`, 'Member must satisfy enum value set: [PRIMARY, SECONDARY]');
  }
  const alias = has(rrs, 'AliasTarget') ? obj(rrs.AliasTarget) : undefined;
  const values = arr(obj(rrs.ResourceRecords).ResourceRecord).map((r) => str(obj(r).Value) ?? '');
  const set: FakeRecordSet = {
    name: decodeRoute53Name(rawName),
    type,
    ...optional('ttl', ttl),
    values,
    ...(alias
      ? {
          aliasTarget: {
            hostedZoneId: (str(alias.HostedZoneId) ?? '').replace(/^\/?hostedzone\//, ''),
            dnsName: aliasDnsName(str(alias.DNSName) ?? ''),
            evaluateTargetHealth: str(alias.EvaluateTargetHealth) === 'true',
          },
        }
      : {}),
    ...optional('setIdentifier', setIdentifier),
    ...optional('weight', weight),
    ...optional('region', region),
    ...optional('failover', failover as FakeRecordSet['failover']),
    ...(has(rrs, 'GeoLocation') ? { geoLocation: parseGeoLocation(rrs.GeoLocation) } : {}),
    ...(str(rrs.MultiValueAnswer) === 'true' ? { multiValueAnswer: true } : {}),
    ...optional('healthCheckId', str(rrs.HealthCheckId)),
  };
  checkShape(rrs, action, rawName, set);
  return { action: action as ParsedChange['action'], set };
}

/**
 * AWS's pairing rules, each an InvalidInput naming the change (wordings as Route53 returns them, quoted in public
 * issue threads and in moto's tests): exactly one of an alias or a TTL with records; a SetIdentifier exactly when a
 * routing policy is given, and then exactly one policy.
 */
function checkShape(rrs: Obj, action: string, rawName: string, set: FakeRecordSet): void {
  const at = changeWith(action, rawName, set.type, set.setIdentifier);
  for (const unmodelled of ['TrafficPolicyInstanceId', 'CidrRoutingConfig', 'GeoProximityLocation']) {
    if (has(rrs, unmodelled)) {
      throw new ApiError(
        400,
        'InvalidInput',
        `Invalid request: lbmanager fake-aws does not model ${unmodelled} (${at})`,
      );
    }
  }
  // A TTL without records (or records without a TTL) is not "all of [TTL, and ResourceRecords]": none found. An
  // alias with either of them is more than one.
  const records = set.ttl !== undefined || set.values.length > 0;
  const plain = set.ttl !== undefined && set.values.length > 0;
  if (set.aliasTarget ? records : !plain) {
    const found = set.aliasTarget ? 'more than one' : 'none';
    throw new ApiError(
      400,
      'InvalidInput',
      `Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found ${found} in ${at}`,
    );
  }
  if (set.aliasTarget && (!has(obj(rrs.AliasTarget), 'HostedZoneId') || !has(obj(rrs.AliasTarget), 'DNSName'))) {
    throw new ApiError(400, 'InvalidInput', `Invalid request: Missing field 'HostedZoneId' or 'DNSName' in ${at}`);
  }
  // MultiValueAnswer=false selects no policy (routingPolicies counts it only when true).
  const policies = routingPolicies(set).length;
  if (set.setIdentifier !== undefined && policies !== 1) {
    throw new ApiError(
      400,
      'InvalidInput',
      `Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, GeoProximityLocation, or CidrRoutingConfig], but found ${policies === 0 ? 'none' : 'more than one'} in ${at}`,
    );
  }
  if (set.setIdentifier === undefined && policies > 0) {
    throw new ApiError(400, 'InvalidInput', `Invalid request: Missing field 'SetIdentifier' in ${at}`);
  }
}

/** Parses a ChangeResourceRecordSets body; throws InvalidInput as Route53 does for a malformed or invalid request. */
export function parseChangeBatch(body: string): ParsedChange[] {
  let doc: Obj;
  try {
    doc = parseXml(body);
  } catch (e) {
    throw new ApiError(400, 'InvalidInput', `Could not parse the request body: ${(e as Error).message}`);
  }
  const batch = obj(obj(doc.ChangeResourceRecordSetsRequest).ChangeBatch);
  const changes = arr(obj(batch.Changes).Change);
  if (changes.length === 0)
    throw new ApiError(400, 'InvalidInput', 'Invalid request: Expected exactly one of [Changes]');
  // Constraint violations are collected over the whole batch (one answer lists them all) and win over the first
  // pairing error, as a request that breaks the model is refused before its meaning is looked at.
  const violations = new Violations();
  const parsed: ParsedChange[] = [];
  let firstError: ApiError | undefined;
  changes.forEach((c, i) => {
    try {
      parsed.push(parseChange(c, i + 1, violations));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      firstError ??= e;
    }
  });
  violations.throwIfAny();
  if (firstError) throw firstError;
  return parsed;
}
