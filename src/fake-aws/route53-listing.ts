// ListResourceRecordSets: Route53's order, its start position and its paging
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html). moto 5.2.1 differs (checked
// with moto_server): it lists `*` unescaped, orders by the decoded name, and pages weighted sets without
// NextRecordIdentifier; the fake follows AWS.
import { decodeRoute53Name, encodeRoute53Name } from '../util/dns-name.js';
import { ApiError } from './api.js';
import type { FakeRecordSet } from './route53-record.js';

/** Route53's page size limit (a larger maxitems is cut to it). */
export const MAX_ITEMS = 300;

/**
 * A name's position in Route53's order: its escaped form (`*` as `\052`, as Route53 stores and lists it) with the
 * labels reversed and the trailing dot kept, compared as ASCII: "ListResourceRecordSets sorts results first by DNS
 * name with the labels reversed, for example: com.example.www. Note the trailing dot, which can change the sort order
 * when the record name contains characters that appear before . (decimal 46)" (so `www-a` sorts before `www`).
 * Escapes start with `\` (92): a wildcard sorts after digits and before letters and `_`.
 */
export function nameSortKey(name: string): string {
  const escaped = encodeRoute53Name(name).slice(0, -1);
  return `${escaped.split('.').reverse().join('.')}.`;
}

/** A set's place in the listing: name, then type, then SetIdentifier (a simple set, without one, first). */
interface Position {
  readonly name: string;
  readonly type: string;
  readonly identifier: string;
}

function compare(a: Position, b: Position): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  if (a.identifier !== b.identifier) return a.identifier < b.identifier ? -1 : 1;
  return 0;
}

const positionOf = (s: FakeRecordSet): Position => ({
  name: nameSortKey(s.name),
  type: s.type,
  identifier: s.setIdentifier ?? '',
});

/** A zone's sets in Route53's order. */
export function sortedSets(sets: Iterable<FakeRecordSet>): FakeRecordSet[] {
  return [...sets]
    .map((s) => ({ s, p: positionOf(s) }))
    .sort((a, b) => compare(a.p, b.p))
    .map(({ s }) => s);
}

/** A record set as ListResourceRecordSets returns it: members in the model's order, an alias without TTL or records. */
export function setXml(s: FakeRecordSet): Record<string, unknown> {
  const geo = s.geoLocation;
  return {
    Name: encodeRoute53Name(s.name),
    Type: s.type,
    ...(s.setIdentifier !== undefined ? { SetIdentifier: s.setIdentifier } : {}),
    ...(s.weight !== undefined ? { Weight: s.weight } : {}),
    ...(s.region !== undefined ? { Region: s.region } : {}),
    ...(geo
      ? {
          GeoLocation: {
            ...(geo.continentCode !== undefined ? { ContinentCode: geo.continentCode } : {}),
            ...(geo.countryCode !== undefined ? { CountryCode: geo.countryCode } : {}),
            ...(geo.subdivisionCode !== undefined ? { SubdivisionCode: geo.subdivisionCode } : {}),
          },
        }
      : {}),
    ...(s.failover !== undefined ? { Failover: s.failover } : {}),
    ...(s.multiValueAnswer ? { MultiValueAnswer: true } : {}),
    ...(s.aliasTarget
      ? {
          AliasTarget: {
            HostedZoneId: s.aliasTarget.hostedZoneId,
            DNSName: s.aliasTarget.dnsName,
            EvaluateTargetHealth: s.aliasTarget.evaluateTargetHealth,
          },
        }
      : { TTL: s.ttl ?? 0, ResourceRecords: { ResourceRecord: s.values.map((Value) => ({ Value })) } }),
    ...(s.healthCheckId !== undefined ? { HealthCheckId: s.healthCheckId } : {}),
  };
}

/**
 * One page of a zone's sets, starting at the first set at or after (name, type, identifier), as
 * ListResourceRecordSetsResponse's members (without the namespace). The start name is compared in the same escaped
 * form as the sets: Route53 stores a name the same way however it was spelled ("regardless of how you specify them:
 * as uppercase letters, lowercase letters, or the corresponding letters in escape codes", DNS domain name format,
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html), so `*.example.com` and
 * `\052.example.com` start at the same place.
 */
export function listPage(zoneId: string, sets: Iterable<FakeRecordSet>, q: URLSearchParams): Record<string, unknown> {
  const name = q.get('name');
  const type = q.get('type');
  const identifier = q.get('identifier');
  if (type && !name) throw new ApiError(400, 'InvalidInput', 'Invalid request: type requires name', zoneId);
  if (identifier && !type)
    throw new ApiError(400, 'InvalidInput', 'Invalid request: identifier requires name and type', zoneId);
  const maxItems = Math.min(MAX_ITEMS, Math.max(1, Number(q.get('maxitems') ?? MAX_ITEMS) || MAX_ITEMS));
  const sorted = sortedSets(sets);
  let start = 0;
  if (name) {
    const from: Position = {
      name: nameSortKey(decodeRoute53Name(name)),
      type: type ?? '',
      identifier: identifier ?? '',
    };
    start = sorted.findIndex((s) => compare(positionOf(s), from) >= 0);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + maxItems);
  const next = sorted[start + maxItems];
  return {
    ResourceRecordSets: items.length > 0 ? { ResourceRecordSet: items.map(setXml) } : '',
    IsTruncated: next !== undefined,
    ...(next
      ? {
          NextRecordName: encodeRoute53Name(next.name),
          NextRecordType: next.type,
          // Pages continue within one name and type of routing-policy sets by SetIdentifier.
          ...(next.setIdentifier !== undefined ? { NextRecordIdentifier: next.setIdentifier } : {}),
        }
      : {}),
    MaxItems: maxItems,
  };
}
