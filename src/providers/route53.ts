import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type RRType,
  Route53Client,
} from '@aws-sdk/client-route-53';
import PQueue from 'p-queue';
import { compareRoute53Names, decodeRoute53Name, encodeRoute53Name } from '../util/dns-name.js';
import { route53SigningRegion } from '../util/regions.js';
import type { AwsClients } from './aws-clients.js';
import { classifyAwsError } from './aws-errors.js';
import type { Route53Priority } from './route53-throttle.js';
import { ZoneRecordsBuilder } from './route53-sets.js';
import type { Route53Provider } from './types.js';
import type { RecordChange, ZoneRecords } from '../plan/records.js';
import { WriteLedger } from './write-ledger.js';

/**
 * The Route53 client of a region's partition. Route53 is global: it is signed for the partition's global region
 * (us-east-1, cn-northwest-1, us-gov-west-1…), which the SDK picks by itself only for AWS's own endpoints; with an
 * endpoint override it would sign for the key's region and real Route53 would refuse the signature.
 */
export function route53Client(clients: AwsClients, region: string): Route53Client {
  const signing = route53SigningRegion(region);
  return clients.client('route53', signing, (config) => new Route53Client(config));
}

/**
 * Above this many names, one paged listing of the whole zone usually costs fewer requests than reading each name
 * (a page holds 300 record sets).
 */
export const PER_NAME_READ_LIMIT = 8;

/** Sets asked for when one name is read: every set at a name, of every type, usually fits. */
const NAME_PAGE = 20;

/** Zone listings started ahead of the reads that run at once: more would only queue behind the rate limit. */
const PREFETCH_CONCURRENCY = 2;

/** Where a listing request starts: the name, type and identifier of the first set wanted. */
interface ListStart {
  StartRecordName?: string;
  StartRecordType?: RRType;
  StartRecordIdentifier?: string;
  MaxItems?: number;
}

/**
 * A listing of a zone, whole or as far as its page budget took it: every set at the names before `before` (in
 * Route53's order) is in it; names from `before` on may not be.
 */
interface Listing {
  readonly records: ZoneRecords;
  readonly before: string | undefined;
}

interface Prefetch {
  /** When the listing started (undefined while it waits for a place). */
  at: number | undefined;
  /** The ledger's tick when the listing started. */
  listedAt: number;
  readonly abort: AbortController;
  listing: Promise<Listing | undefined>;
}

/**
 * What every region's Route53 provider must share: Route53 is global, so a zone listed through one region's endpoint
 * may be changed through another's, and the listing must still not answer a read after that change.
 */
export class Route53Zones {
  /** Zone listings started ahead of the zone's next read, which alone uses them. */
  readonly prefetches = new Map<string, Prefetch>();
  readonly ledger = new WriteLedger();
  /** Pages the last complete listing of each zone took: a listing is started only where it pays. */
  readonly pages = new Map<string, number>();
  readonly prefetchQueue = new PQueue({ concurrency: PREFETCH_CONCURRENCY });
  /** Requests made inside `priority.run('ahead', …)` wait behind the reconciles' own (see Route53Throttle). */
  readonly priority = new AsyncLocalStorage<Route53Priority>();
}

/** Options of {@link Route53AwsProvider}. */
export interface Route53ProviderOptions {
  /** A prefetched zone listing older than this is not used, and stops paging. @default 10000 */
  readonly prefetchMaxAgeMs?: number;
  readonly now?: () => number;
  /** Shared with the providers of the other regions. @default this provider's own */
  readonly zones?: Route53Zones;
}

/** Route53 through the AWS SDK: reads every set at managed names, applies change batches. */
export class Route53AwsProvider implements Route53Provider {
  private readonly zones: Route53Zones;
  private readonly prefetchMaxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clients: AwsClients,
    private readonly region: string,
    options: Route53ProviderOptions = {},
  ) {
    this.prefetchMaxAgeMs = options.prefetchMaxAgeMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.zones = options.zones ?? new Route53Zones();
  }

  // Listing a zone pays when it takes fewer pages than there are names to read one by one. Until a complete listing
  // has told the zone's size, only many names are worth a listing, and it stops after as many pages as it replaces.
  private listingPays(zoneId: string, names: number): boolean {
    const pages = this.zones.pages.get(zoneId);
    return pages === undefined ? names > PER_NAME_READ_LIMIT : pages < names;
  }

  /** @inheritdoc */
  prefetch(zoneId: string, names: readonly string[]): void {
    if (!this.listingPays(zoneId, names.length)) return;
    const current = this.zones.prefetches.get(zoneId);
    if (current && (current.at === undefined || this.now() - current.at <= this.prefetchMaxAgeMs)) return;
    current?.abort.abort();
    const entry: Prefetch = {
      at: undefined,
      listedAt: 0,
      abort: new AbortController(),
      listing: Promise.resolve(undefined),
    };
    this.zones.prefetches.set(zoneId, entry);
    // p-queue may start the task before add() returns: the entry exists before it does.
    entry.listing = this.zones.prefetchQueue.add(async () => {
      if (entry.abort.signal.aborted) return undefined;
      entry.at = this.now();
      entry.listedAt = this.zones.ledger.listingStarts();
      return this.zones.priority.run('ahead', () => this.listZone(zoneId, names.length, entry));
    });
    // A failed listing is not an error of the zone: its read lists it again.
    entry.listing.catch(() => undefined);
  }

  // Any read ends the zone's prefetch. A read that will not list the zone, or comes before the listing started,
  // stops it (it would cost requests nobody uses); one that lists waits for it, if it is fresh and no change to the
  // zone came after it started.
  private takePrefetch(zoneId: string, use: boolean): Promise<Listing | undefined> | undefined {
    const p = this.zones.prefetches.get(zoneId);
    this.zones.prefetches.delete(zoneId);
    if (!p) return undefined;
    if (!use || p.at === undefined || this.now() - p.at > this.prefetchMaxAgeMs) {
      p.abort.abort();
      return undefined;
    }
    return p.listing.then(
      (listing) => (listing && this.zones.ledger.mayAnswer(zoneId, p.listedAt) ? listing : undefined),
      () => undefined,
    );
  }

  /** @inheritdoc */
  async readRecordSets(zoneId: string, names: readonly string[] | 'all'): Promise<ZoneRecords> {
    try {
      if (names === 'all') {
        const prefetched = await this.takePrefetch(zoneId, true);
        if (prefetched?.before === undefined && prefetched) return prefetched.records;
        return (await this.listZone(zoneId, Infinity))?.records ?? { owned: [], foreign: [] };
      }
      const wanted = [...new Set(names)];
      const out = new ZoneRecordsBuilder();
      let rest = wanted;
      const list = this.listingPays(zoneId, wanted.length);
      const prefetched = this.takePrefetch(zoneId, list);
      if (list) {
        const listing = (await prefetched) ?? (await this.listZone(zoneId, wanted.length));
        if (listing) {
          const covered = (n: string): boolean =>
            listing.before === undefined || compareRoute53Names(n, listing.before) < 0;
          const want = new Set(wanted);
          out.addAll(listing.records, (n) => want.has(n) && covered(n));
          rest = wanted.filter((n) => !covered(n));
        }
      }
      for (const name of rest) await this.readName(zoneId, name, out);
      return out.build();
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  // Every set at one name, however many share it: weighted sets of one type fill pages of their own, so the read
  // follows the listing until it is past the name. It starts at the name as Route53 sorts it (`\052` for `*`).
  private async readName(zoneId: string, name: string, out: ZoneRecordsBuilder): Promise<void> {
    let start: ListStart = { StartRecordName: encodeRoute53Name(name), MaxItems: NAME_PAGE };
    for (;;) {
      const res = await this.list(zoneId, start);
      let past = false;
      for (const s of res.ResourceRecordSets ?? []) {
        if (!s.Name || decodeRoute53Name(s.Name) !== name) {
          past = true;
          break;
        }
        out.add(s);
      }
      if (past || !res.IsTruncated || !res.NextRecordName || decodeRoute53Name(res.NextRecordName) !== name) return;
      start = { ...nextStart(res), MaxItems: NAME_PAGE };
    }
  }

  /** @inheritdoc */
  async changeRecordSets(zoneId: string, changes: readonly RecordChange[]): Promise<void> {
    void this.takePrefetch(zoneId, false);
    try {
      await this.zones.ledger.write(zoneId, () =>
        route53Client(this.clients, this.region).send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: zoneId,
            ChangeBatch: {
              Comment: 'lbmanager',
              Changes: changes.map((c) => ({
                Action: c.action,
                ResourceRecordSet: {
                  Name: `${c.set.name}.`,
                  Type: c.set.type,
                  TTL: c.set.ttl,
                  ResourceRecords: c.set.values.map((Value) => ({ Value })),
                  // lbmanager's routing-policy sets: exactly one policy each, as Route53 requires.
                  ...(c.set.setIdentifier !== undefined ? { SetIdentifier: c.set.setIdentifier } : {}),
                  ...(c.set.weight !== undefined ? { Weight: c.set.weight } : {}),
                  ...(c.set.multiValueAnswer ? { MultiValueAnswer: true } : {}),
                  ...(c.set.healthCheckId !== undefined ? { HealthCheckId: c.set.healthCheckId } : {}),
                },
              })),
            },
          }),
        ),
      );
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  private list(zoneId: string, start: ListStart): Promise<ListResourceRecordSetsCommandOutput> {
    return route53Client(this.clients, this.region).send(
      new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }),
    );
  }

  /**
   * Lists the zone page by page, at most `budget` pages; a listing made ahead of time stops as soon as it is aborted
   * or too old to be used. Undefined when it stopped before answering anything.
   */
  private async listZone(zoneId: string, budget: number, ahead?: Prefetch): Promise<Listing | undefined> {
    const out = new ZoneRecordsBuilder();
    let start: ListStart = {};
    for (let pages = 1; ; pages++) {
      if (ahead && (ahead.abort.signal.aborted || this.now() - (ahead.at ?? 0) > this.prefetchMaxAgeMs)) return;
      const res = await this.list(zoneId, start);
      for (const s of res.ResourceRecordSets ?? []) out.add(s);
      if (!res.IsTruncated || !res.NextRecordName) {
        this.zones.pages.set(zoneId, pages);
        return { records: out.build(), before: undefined };
      }
      if (pages >= budget) return { records: out.build(), before: decodeRoute53Name(res.NextRecordName) };
      start = nextStart(res);
    }
  }
}

function nextStart(res: ListResourceRecordSetsCommandOutput): ListStart {
  return {
    ...(res.NextRecordName ? { StartRecordName: res.NextRecordName } : {}),
    ...(res.NextRecordType ? { StartRecordType: res.NextRecordType } : {}),
    ...(res.NextRecordIdentifier ? { StartRecordIdentifier: res.NextRecordIdentifier } : {}),
  };
}
