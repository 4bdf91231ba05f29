import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandOutput,
  type ResourceRecordSet,
} from '@aws-sdk/client-route-53';
import { decodeRoute53Name } from '../util/dns-name.js';
import type { AwsClients } from './aws-clients.js';
import { classifyAwsError } from './aws-errors.js';
import type { RecordChange, RecordSet, Route53Provider } from './types.js';
import { WriteLedger } from './write-ledger.js';

/**
 * Above this many names, one paged listing of the whole zone costs fewer requests than one small listing per name
 * (a page holds 300 record sets).
 */
export const PER_NAME_READ_LIMIT = 8;

function toRecordSet(s: ResourceRecordSet): RecordSet | undefined {
  if (s.Type !== 'A' && s.Type !== 'AAAA') return undefined;
  // Weighted, latency, failover… sets and alias records are someone else's: lbmanager manages plain sets only.
  if (s.SetIdentifier !== undefined || s.AliasTarget !== undefined || !s.Name) return undefined;
  return {
    name: decodeRoute53Name(s.Name),
    type: s.Type,
    ttl: s.TTL ?? 0,
    values: (s.ResourceRecords ?? []).map((r) => r.Value).filter((v): v is string => typeof v === 'string'),
  };
}

/**
 * What every region's Route53 provider must share: Route53 is global, so a zone listed through one region's endpoint
 * may be changed through another's, and the listing must still not answer a read after that change.
 */
export class Route53Zones {
  /** Zone listings started ahead of the zone's next read, which alone uses them. */
  readonly prefetches = new Map<
    string,
    { readonly at: number; readonly listedAt: number; readonly listing: Promise<RecordSet[]> }
  >();
  readonly ledger = new WriteLedger();
}

/** Options of {@link Route53AwsProvider}. */
export interface Route53ProviderOptions {
  /** A prefetched zone listing older than this is not used. @default 10000 */
  readonly prefetchMaxAgeMs?: number;
  readonly now?: () => number;
  /** Shared with the providers of the other regions. @default this provider's own */
  readonly zones?: Route53Zones;
}

/** Route53 through the AWS SDK: reads A/AAAA sets of managed names, applies change batches. */
export class Route53AwsProvider implements Route53Provider {
  private readonly prefetches: Route53Zones['prefetches'];
  private readonly ledger: WriteLedger;
  private readonly prefetchMaxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly clients: AwsClients,
    private readonly region: string,
    options: Route53ProviderOptions = {},
  ) {
    this.prefetchMaxAgeMs = options.prefetchMaxAgeMs ?? 10_000;
    this.now = options.now ?? Date.now;
    const zones = options.zones ?? new Route53Zones();
    this.prefetches = zones.prefetches;
    this.ledger = zones.ledger;
  }

  /** @inheritdoc */
  prefetch(zoneId: string, names: readonly string[]): void {
    // Only where the read would list the whole zone anyway.
    if (names.length <= PER_NAME_READ_LIMIT) return;
    const current = this.prefetches.get(zoneId);
    if (current && this.now() - current.at <= this.prefetchMaxAgeMs) return;
    const listedAt = this.ledger.listingStarts();
    const listing = this.listZone(zoneId);
    // A failed listing is not an error of the zone: its read lists it again.
    listing.catch(() => undefined);
    this.prefetches.set(zoneId, { at: this.now(), listedAt, listing });
  }

  // Takes the zone's prefetch at once (any read ends it); only a read that lists the whole zone waits for it.
  private takePrefetch(zoneId: string): Promise<RecordSet[] | undefined> | undefined {
    const p = this.prefetches.get(zoneId);
    this.prefetches.delete(zoneId);
    if (!p || this.now() - p.at > this.prefetchMaxAgeMs) return undefined;
    // Judged once the listing has answered: a change sent or answered after it started may be missing from it.
    return p.listing.then(
      (sets) => (this.ledger.mayAnswer(zoneId, p.listedAt) ? sets : undefined),
      () => undefined,
    );
  }

  /** @inheritdoc */
  async readRecordSets(zoneId: string, names: readonly string[] | 'all'): Promise<RecordSet[]> {
    // Any read of the zone ends its prefetch: a later read must not see a listing older than this one.
    const prefetched = this.takePrefetch(zoneId);
    try {
      if (names === 'all' || names.length > PER_NAME_READ_LIMIT) {
        const all = (await prefetched) ?? (await this.listZone(zoneId));
        if (names === 'all') return all;
        const wanted = new Set(names);
        return all.filter((s) => wanted.has(s.name));
      }
      const out: RecordSet[] = [];
      for (const name of new Set(names)) {
        // Sets are sorted by name then type, and AAAA comes right after A: two items hold both when present.
        const res = await this.list(zoneId, { StartRecordName: name, StartRecordType: 'A', MaxItems: 2 });
        for (const s of res.ResourceRecordSets ?? []) {
          const r = toRecordSet(s);
          if (r && r.name === name) out.push(r);
        }
      }
      return out;
    } catch (e) {
      throw classifyAwsError(e);
    }
  }

  /** @inheritdoc */
  async changeRecordSets(zoneId: string, changes: readonly RecordChange[]): Promise<void> {
    this.prefetches.delete(zoneId);
    try {
      await this.ledger.write(zoneId, () =>
        this.clients.route53(this.region).send(
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

  private list(
    zoneId: string,
    start: { StartRecordName?: string; StartRecordType?: 'A'; StartRecordIdentifier?: string; MaxItems?: number },
  ): Promise<ListResourceRecordSetsCommandOutput> {
    return this.clients
      .route53(this.region)
      .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, ...start }));
  }

  private async listZone(zoneId: string): Promise<RecordSet[]> {
    const out: RecordSet[] = [];
    let start: { StartRecordName?: string; StartRecordType?: 'A'; StartRecordIdentifier?: string } = {};
    for (;;) {
      const res = await this.list(zoneId, start);
      for (const s of res.ResourceRecordSets ?? []) {
        const r = toRecordSet(s);
        if (r) out.push(r);
      }
      if (!res.IsTruncated || !res.NextRecordName) return out;
      start = {
        StartRecordName: res.NextRecordName,
        ...(res.NextRecordType ? { StartRecordType: res.NextRecordType as 'A' } : {}),
        ...(res.NextRecordIdentifier ? { StartRecordIdentifier: res.NextRecordIdentifier } : {}),
      };
    }
  }
}
