import { randomBytes } from 'node:crypto';
import { ApiError, type ApiAnswer } from './api.js';
import { applyChanges } from './route53-change-rules.js';
import { parseChangeBatch } from './route53-change-parse.js';
import { testDnsAnswer } from './route53-dns-answer.js';
import { listPage } from './route53-listing.js';
import type { Route53Throttle } from './route53-throttle.js';
import type { FakeAwsState, FakeZone } from './state.js';
import { NS, parseXml, toXml } from './xml.js';

/** Route53's per-request limits. */
const MAX_RECORDS = 1000;
const MAX_CHARS = 32000;

/** What a Route53 request needs besides the state and the request itself. */
export interface Route53Context {
  /** After a change, a zone answers `PriorRequestNotComplete` to changes for this long. */
  readonly priorRequestMs: number;
  /** The account's buckets: a change batch takes its changes from the change bucket before it is applied. */
  readonly throttle: Route53Throttle;
  /** Draws TestDNSAnswer's picks among weighted and multivalue sets (seeded, so answers can be replayed). */
  readonly random: () => number;
}

function zoneOf(state: FakeAwsState, id: string): FakeZone {
  const z = state.zones.get(id.replace(/^\/?hostedzone\//, ''));
  if (!z) throw new ApiError(404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`, id);
  return z;
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

/**
 * Applies a change batch all or nothing; every failure of the batch is reported in one InvalidChangeBatch. A batch
 * that passes is throttled by the change bucket last: a refused batch changes no record, so it costs no changes.
 */
function changeRecordSets(state: FakeAwsState, zone: FakeZone, body: string, ctx: Route53Context): ApiAnswer {
  if (ctx.priorRequestMs > 0 && Date.now() - zone.lastChangeAt < ctx.priorRequestMs) {
    throw new ApiError(
      400,
      'PriorRequestNotComplete',
      'The request was rejected because Route 53 was still processing a prior request.',
      zone.id,
    );
  }
  const changes = parseChangeBatch(body);
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
  const { sets, errors } = applyChanges(zone, changes);
  if (errors.length > 0) throw new ApiError(400, 'InvalidChangeBatch', `[${errors.join(', ')}]`, zone.id);
  if (!ctx.throttle.admitChanges(changes.map((c) => c.action))) {
    throw new ApiError(400, 'Throttling', 'Rate exceeded', zone.id);
  }
  zone.recordSets.clear();
  for (const [k, v] of sets) zone.recordSets.set(k, v);
  zone.lastChangeAt = Date.now();
  return ok(
    zone.id,
    'ChangeResourceRecordSetsResponse',
    { ChangeInfo: changeInfo(state) },
    200,
    changes.map(
      (c) =>
        `${c.action} ${c.set.name} ${c.set.type}${c.set.setIdentifier !== undefined ? ` ${c.set.setIdentifier}` : ''}`,
    ),
  );
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
  if (p === '/2013-04-01/testdnsanswer') return method === 'GET' ? 'TestDNSAnswer' : undefined;
  return undefined;
}

/** Answers one Route53 REST request. */
export function handleRoute53(
  state: FakeAwsState,
  op: string,
  path: string,
  query: URLSearchParams,
  body: string,
  ctx: Route53Context,
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
    case 'ListResourceRecordSets': {
      const zone = zoneOf(state, id);
      return ok(zone.id, 'ListResourceRecordSetsResponse', listPage(zone.id, zone.recordSets.values(), query));
    }
    case 'ChangeResourceRecordSets':
      return changeRecordSets(state, zoneOf(state, id), body, ctx);
    case 'TestDNSAnswer': {
      const zone = zoneOf(state, query.get('hostedzoneid') ?? '');
      return ok(zone.id, 'TestDNSAnswerResponse', testDnsAnswer(zone, query, ctx.random));
    }
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
