import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { decodeRoute53Name, encodeRoute53Name } from '../util/dns-name.js';
import { ApiError, type ApiAnswer } from './api.js';
import { recordKey, type FakeAwsState, type FakeRecordSet, type FakeZone } from './state.js';
import { NS, parseXml, toXml } from './xml.js';

/** Route53's per-request limits. */
const MAX_RECORDS = 1000;
const MAX_CHARS = 32000;
const MAX_ITEMS = 300;

/** Route53 orders record sets by name with labels reversed (`com.example.www`), then by type. */
function sortKey(name: string): string {
  return name.split('.').reverse().join('.');
}

function compareSets(a: FakeRecordSet, b: FakeRecordSet): number {
  const ka = sortKey(a.name);
  const kb = sortKey(b.name);
  if (ka !== kb) return ka < kb ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  return (a.setIdentifier ?? '') < (b.setIdentifier ?? '') ? -1 : 1;
}

function zoneOf(state: FakeAwsState, id: string): FakeZone {
  const z = state.zones.get(id.replace(/^\/?hostedzone\//, ''));
  if (!z) throw new ApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`, id);
  return z;
}

function setXml(s: FakeRecordSet): Record<string, unknown> {
  return {
    Name: encodeRoute53Name(s.name),
    Type: s.type,
    ...(s.setIdentifier !== undefined ? { SetIdentifier: s.setIdentifier, Weight: s.weight ?? 0 } : {}),
    TTL: s.ttl,
    ResourceRecords: { ResourceRecord: s.values.map((Value) => ({ Value })) },
  };
}

function zoneXml(z: FakeZone): Record<string, unknown> {
  return {
    Id: `/hostedzone/${z.id}`,
    Name: `${z.name}.`,
    CallerReference: z.callerReference,
    Config: { PrivateZone: false },
    ResourceRecordSetCount: z.recordSets.size,
  };
}

function changeInfo(state: FakeAwsState): Record<string, unknown> {
  const id = `C${randomBytes(10).toString('hex').toUpperCase()}`;
  const submittedAt = new Date().toISOString();
  state.changes.set(id, { submittedAt, polled: 0 });
  return { Id: `/change/${id}`, Status: 'PENDING', SubmittedAt: submittedAt };
}

function ok(
  target: string,
  root: string,
  content: Record<string, unknown>,
  status = 200,
  changed?: string[],
): ApiAnswer {
  return {
    status,
    body: toXml({ [root]: { '@_xmlns': NS.route53, ...content } }),
    target,
    ...(changed ? { members: changed } : {}),
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);

interface ParsedChange {
  readonly action: string;
  readonly set: FakeRecordSet;
  readonly hasTtl: boolean;
}

function parseChanges(body: string): ParsedChange[] {
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
  return changes.map((c) => {
    const change = obj(c);
    const rrs = obj(change.ResourceRecordSet);
    const name = str(rrs.Name);
    const type = str(rrs.Type);
    const action = str(change.Action);
    if (!name || !type || !action || !['CREATE', 'DELETE', 'UPSERT'].includes(action)) {
      throw new ApiError(
        400,
        'InvalidInput',
        'Invalid request: each Change needs an Action (CREATE, DELETE, UPSERT), a Name and a Type',
      );
    }
    const values = arr(obj(rrs.ResourceRecords).ResourceRecord).map((r) => str(obj(r).Value) ?? '');
    const ttlText = str(rrs.TTL);
    const setIdentifier = str(rrs.SetIdentifier);
    const weight = str(rrs.Weight);
    return {
      action,
      hasTtl: ttlText !== undefined,
      set: {
        name: decodeRoute53Name(name),
        type,
        ttl: ttlText !== undefined ? Number(ttlText) : 0,
        values,
        ...(setIdentifier !== undefined ? { setIdentifier } : {}),
        ...(weight !== undefined ? { weight: Number(weight) } : {}),
      },
    };
  });
}

const sameValues = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

const describeSet = (s: FakeRecordSet): string =>
  `[name='${encodeRoute53Name(s.name)}', type='${s.type}'${s.setIdentifier !== undefined ? `, set-identifier='${s.setIdentifier}'` : ''}]`;

/** Applies a change batch all or nothing; every failure of the batch is reported in one InvalidChangeBatch. */
function changeRecordSets(state: FakeAwsState, zone: FakeZone, body: string, priorRequestMs: number): ApiAnswer {
  if (priorRequestMs > 0 && Date.now() - zone.lastChangeAt < priorRequestMs) {
    throw new ApiError(
      400,
      'PriorRequestNotComplete',
      'The request was rejected because Route 53 was still processing a prior request.',
      zone.id,
    );
  }
  const changes = parseChanges(body);
  let records = 0;
  let chars = 0;
  for (const c of changes) {
    const factor = c.action === 'UPSERT' ? 2 : 1;
    records += c.set.values.length * factor;
    chars += c.set.values.reduce((n, v) => n + v.length, 0) * factor;
  }
  if (records > MAX_RECORDS) {
    throw new ApiError(400, 'InvalidChangeBatch', `[Number of records limit of ${MAX_RECORDS} exceeded.]`, zone.id);
  }
  if (chars > MAX_CHARS) {
    throw new ApiError(400, 'InvalidChangeBatch', `[Number of characters limit of ${MAX_CHARS} exceeded.]`, zone.id);
  }
  const working = new Map(zone.recordSets);
  const errors: string[] = [];
  for (const c of changes) {
    const s = c.set;
    const key = recordKey(s.name, s.type, s.setIdentifier);
    const current = working.get(key);
    if (!(s.name === zone.name || s.name.endsWith(`.${zone.name}`))) {
      errors.push(`RRSet with DNS name ${encodeRoute53Name(s.name)} is not permitted in zone ${zone.name}.`);
      continue;
    }
    if (c.action === 'DELETE') {
      if (!c.hasTtl || s.values.length === 0) {
        throw new ApiError(
          400,
          'InvalidInput',
          'Invalid request: DELETE needs the TTL and the ResourceRecords of the set',
          zone.id,
        );
      }
      if (!current) errors.push(`Tried to delete resource record set ${describeSet(s)} but it was not found`);
      else if (current.ttl !== s.ttl || !sameValues(current.values, s.values)) {
        errors.push(
          `Tried to delete resource record set ${describeSet(s)} but the values provided do not match the current values`,
        );
      } else working.delete(key);
      continue;
    }
    if (!c.hasTtl || s.values.length === 0) {
      throw new ApiError(
        400,
        'InvalidInput',
        'Invalid request: a record set needs a TTL and at least one ResourceRecord',
        zone.id,
      );
    }
    const invalid = s.values.find((v) => (s.type === 'A' ? !isIPv4(v) : s.type === 'AAAA' ? !isIPv6(v) : v === ''));
    if (invalid !== undefined) {
      const problem = s.type === 'A' ? 'ARRDATAIllegalIPv4Address' : 'AAAARRDATAIllegalIPv6Address';
      errors.push(
        `Invalid Resource Record: FATAL problem: ${problem} (Value is not a valid ${s.type === 'A' ? 'IPv4' : 'IPv6'} address) encountered with '${invalid}'`,
      );
      continue;
    }
    if (c.action === 'CREATE' && current) {
      errors.push(`Tried to create resource record set ${describeSet(s)} but it already exists`);
      continue;
    }
    working.set(key, s);
  }
  if (errors.length > 0) throw new ApiError(400, 'InvalidChangeBatch', `[${errors.join(', ')}]`, zone.id);
  zone.recordSets.clear();
  for (const [k, v] of working) zone.recordSets.set(k, v);
  zone.lastChangeAt = Date.now();
  return ok(
    zone.id,
    'ChangeResourceRecordSetsResponse',
    { ChangeInfo: changeInfo(state) },
    200,
    changes.map((c) => `${c.action} ${c.set.name} ${c.set.type}`),
  );
}

function listRecordSets(zone: FakeZone, q: URLSearchParams): ApiAnswer {
  const name = q.get('name');
  const type = q.get('type');
  const identifier = q.get('identifier');
  if (type && !name) throw new ApiError(400, 'InvalidInput', 'Invalid request: type requires name', zone.id);
  const maxItems = Math.min(MAX_ITEMS, Math.max(1, Number(q.get('maxitems') ?? MAX_ITEMS) || MAX_ITEMS));
  const sorted = [...zone.recordSets.values()].sort(compareSets);
  let start = 0;
  if (name) {
    const from: FakeRecordSet = {
      name: decodeRoute53Name(name),
      type: type ?? '',
      ttl: 0,
      values: [],
      ...(identifier ? { setIdentifier: identifier } : {}),
    };
    start = sorted.findIndex((s) => compareSets(s, from) >= 0);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + maxItems);
  const next = sorted[start + maxItems];
  return ok(zone.id, 'ListResourceRecordSetsResponse', {
    ResourceRecordSets: items.length > 0 ? { ResourceRecordSet: items.map(setXml) } : '',
    IsTruncated: next !== undefined,
    ...(next
      ? {
          NextRecordName: encodeRoute53Name(next.name),
          NextRecordType: next.type,
          ...(next.setIdentifier !== undefined ? { NextRecordIdentifier: next.setIdentifier } : {}),
        }
      : {}),
    MaxItems: maxItems,
  });
}

/** The Route53 operation a request is, by method and path, or undefined. */
export function route53Operation(method: string, path: string): string | undefined {
  const p = path.replace(/\/+$/, '');
  if (p === '/2013-04-01/hostedzone')
    return method === 'POST' ? 'CreateHostedZone' : method === 'GET' ? 'ListHostedZones' : undefined;
  if (/^\/2013-04-01\/hostedzone\/[^/]+$/.test(p))
    return method === 'GET' ? 'GetHostedZone' : method === 'DELETE' ? 'DeleteHostedZone' : undefined;
  if (/^\/2013-04-01\/hostedzone\/[^/]+\/rrset$/.test(p)) {
    return method === 'POST' ? 'ChangeResourceRecordSets' : method === 'GET' ? 'ListResourceRecordSets' : undefined;
  }
  if (/^\/2013-04-01\/change\/[^/]+$/.test(p)) return method === 'GET' ? 'GetChange' : undefined;
  return undefined;
}

/** Answers one Route53 REST request. */
export function handleRoute53(
  state: FakeAwsState,
  op: string,
  path: string,
  query: URLSearchParams,
  body: string,
  priorRequestMs: number,
): ApiAnswer {
  const parts = path.replace(/\/+$/, '').split('/');
  const id = decodeURIComponent(parts[3] ?? '');
  switch (op) {
    case 'CreateHostedZone': {
      let doc: Obj;
      try {
        doc = obj(parseXml(body).CreateHostedZoneRequest);
      } catch (e) {
        throw new ApiError(400, 'InvalidInput', `Could not parse the request body: ${(e as Error).message}`);
      }
      const name = str(doc.Name);
      const ref = str(doc.CallerReference);
      if (!name || !ref)
        throw new ApiError(400, 'InvalidInput', 'Invalid request: Name and CallerReference are required');
      const existing = [...state.zones.values()].find((z) => z.callerReference === ref);
      if (existing)
        throw new ApiError(
          409,
          'HostedZoneAlreadyExists',
          `A hosted zone has already been created with the specified caller reference.`,
          existing.id,
        );
      const zone = state.addZone(name, undefined, ref);
      return ok(
        zone.id,
        'CreateHostedZoneResponse',
        {
          HostedZone: zoneXml(zone),
          ChangeInfo: changeInfo(state),
          DelegationSet: { NameServers: { NameServer: ['ns-1.awsdns-00.com', 'ns-2.awsdns-00.net'] } },
        },
        201,
      );
    }
    case 'ListHostedZones': {
      const zones = [...state.zones.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      return ok('', 'ListHostedZonesResponse', {
        HostedZones: zones.length > 0 ? { HostedZone: zones.map(zoneXml) } : '',
        IsTruncated: false,
        MaxItems: 100,
      });
    }
    case 'GetHostedZone': {
      const zone = zoneOf(state, id);
      return ok(zone.id, 'GetHostedZoneResponse', { HostedZone: zoneXml(zone) });
    }
    case 'DeleteHostedZone': {
      const zone = zoneOf(state, id);
      state.zones.delete(zone.id);
      return ok(zone.id, 'DeleteHostedZoneResponse', { ChangeInfo: changeInfo(state) });
    }
    case 'ListResourceRecordSets':
      return listRecordSets(zoneOf(state, id), query);
    case 'ChangeResourceRecordSets':
      return changeRecordSets(state, zoneOf(state, id), body, priorRequestMs);
    case 'GetChange': {
      const change = state.changes.get(id);
      if (!change)
        throw new ApiError(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${id}`, id);
      // Deterministic: PENDING the first time it is asked, INSYNC after.
      const status = change.polled++ === 0 ? 'PENDING' : 'INSYNC';
      return ok(id, 'GetChangeResponse', {
        ChangeInfo: { Id: `/change/${id}`, Status: status, SubmittedAt: change.submittedAt },
      });
    }
    default:
      throw new ApiError(400, 'InvalidAction', `Unknown operation ${op}`);
  }
}
