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

/** Route53 through the AWS SDK: reads A/AAAA sets of managed names, applies change batches. */
export class Route53AwsProvider implements Route53Provider {
  constructor(
    private readonly clients: AwsClients,
    private readonly region: string,
  ) {}

  /** @inheritdoc */
  async readRecordSets(zoneId: string, names: readonly string[] | 'all'): Promise<RecordSet[]> {
    try {
      if (names === 'all' || names.length > PER_NAME_READ_LIMIT) {
        const all = await this.listZone(zoneId);
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
    try {
      await this.clients.route53(this.region).send(
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
