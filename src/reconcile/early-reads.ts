import type { Target } from '../tree/types.js';
import type { Providers } from './providers.js';

/**
 * Starts AWS reads ahead of the reconciles that need them: while the first snapshot is still being read, each region's
 * load balancers and each hosted zone are listed as their names come in, so AWS answers while etcd does; and a full
 * pass lets the provider read a region's load balancers together. The providers decide whether a listing pays.
 */
export class EarlyReads {
  /** Names seen so far by the first read, per region (load balancers) and per hosted zone. */
  private readonly elbNames = new Map<string, Set<string>>();
  private readonly zoneNames = new Map<string, { readonly region: string; readonly names: Set<string> }>();

  constructor(private readonly providers: Providers) {}

  /** A page of the first snapshot: list what its new names belong to. */
  page(targets: Iterable<Target>): void {
    const regions = new Set<string>();
    const zones = new Set<string>();
    // A snapshot's keys of one target come one after another and share its object: each target is looked at once.
    let last: Target | undefined;
    for (const t of targets) {
      if (t === last) continue;
      last = t;
      if (t.kind === 'elb') {
        let names = this.elbNames.get(t.region);
        if (!names) this.elbNames.set(t.region, (names = new Set()));
        if (!names.has(t.name)) regions.add(t.region);
        names.add(t.name);
      } else if (t.kind === 'route53') {
        let zone = this.zoneNames.get(t.zoneId);
        if (!zone) this.zoneNames.set(t.zoneId, (zone = { region: t.region, names: new Set() }));
        if (!zone.names.has(t.fqdn)) zones.add(t.zoneId);
        zone.names.add(t.fqdn);
      }
    }
    for (const region of regions) this.providers.elb.prefetch?.(region, [...(this.elbNames.get(region) ?? [])]);
    for (const zoneId of zones) {
      const zone = this.zoneNames.get(zoneId);
      if (zone) this.providers.route53(zone.region).prefetch?.(zoneId, [...zone.names]);
    }
  }

  /** The snapshot is complete: the names gathered page by page are no longer needed. */
  snapshotDone(): void {
    this.elbNames.clear();
    this.zoneNames.clear();
  }

  /** A full pass is about to read every load balancer: the provider may read those of a region together. */
  fullPass(targets: Iterable<Target>): void {
    const byRegion = new Map<string, string[]>();
    for (const t of targets) {
      if (t.kind !== 'elb') continue;
      const names = byRegion.get(t.region) ?? [];
      byRegion.set(t.region, names);
      names.push(t.name);
    }
    for (const [region, names] of byRegion) this.providers.elb.prefetch?.(region, names);
  }
}
