import { conflictsOf, recordChangesOf, removedBy } from '../plan/changes.js';
import type { ForeignKind, RecordChange } from '../plan/records.js';
import { batchChanges, type NameDesired, type NamePlan } from '../plan/route53-plan.js';
import type { AwsCallError, Route53Provider } from '../providers/types.js';
import type { Route53Target } from '../tree/types.js';
import { canonicalIp } from '../util/ip.js';
import { applyIsolating } from './isolate.js';
import { readZonePlan } from './read-plan.js';
import type { SyncContext } from './sync-context.js';

/** A managed name of a zone with its target id. */
export interface ZoneName {
  readonly id: string;
  readonly t: Route53Target;
}

/**
 * Reconciles the dirty names of one hosted zone together: one read, then one ChangeResourceRecordSets batch for all of
 * them (split only at Route53's limits), isolating a change Route53 refuses. A name whose changes would remove members
 * asks the removal guard on its own: a held name only grows, while the zone's other names go ahead.
 */
export async function syncZone(
  ctx: SyncContext,
  provider: Route53Provider,
  zoneId: string,
  names: readonly ZoneName[],
): Promise<void> {
  const desired: NameDesired[] = [];
  const idOf = new Map<string, string>();
  for (const { id, t } of names) {
    const d = ctx.index.desired(t, id);
    const { members } = ctx.rejections.filter(t, id, d.members);
    const s = ctx.statuses.of(t, id);
    s.activeClass = d.activeClass;
    s.desired = members;
    desired.push({ fqdn: t.fqdn, members });
    idOf.set(t.fqdn, id);
  }
  try {
    const zone = await readZonePlan(provider, zoneId, desired, ctx.route53Ttl, ctx.policy);
    for (const { id, t } of names) {
      ctx.hold.observe(id, zone.seen(t.fqdn));
      ctx.statuses.of(t, id).heldRemovals = [];
    }
    const plans: NamePlan[] = [];
    for (const plan of zone.names) {
      const id = idOf.get(plan.fqdn) ?? plan.fqdn;
      const removes = removedBy(plan.changes);
      if (ctx.policy === 'sync' && !ctx.dryRun && removes.length > 0 && !ctx.mayRemove(id)) {
        const d = desired.find((x) => x.fqdn === plan.fqdn);
        plans.push(...zone.replan(d ? [d] : [], 'upsert-only'));
        const t = names.find((n) => n.id === id)?.t;
        if (t) ctx.statuses.of(t, id).heldRemovals = removes;
      } else plans.push(plan);
    }
    reportConflicts(ctx, names, plans);
    const after = new Map(names.map(({ t }) => [t.fqdn, new Set(zone.seen(t.fqdn))] as const));
    const changes = recordChangesOf(plans.flatMap((p) => p.changes));
    if (ctx.dryRun) {
      for (const c of changes) logRecordChange(ctx, idOf, c, 'dry-run');
    } else {
      for (const batch of batchChanges(changes)) {
        const result = await applyIsolating(
          batch,
          (c) => `${c.set.name}/${c.set.type}`,
          (part) => provider.changeRecordSets(zoneId, part),
          isStaleRoute53Read,
        );
        for (const c of result.applied) {
          logRecordChange(ctx, idOf, c, 'applied');
          const members = after.get(c.set.name) ?? new Set<string>();
          after.set(c.set.name, members);
          const family = c.set.type === 'A' ? 4 : 6;
          for (const m of [...members]) if (canonicalIp(m)?.family === family) members.delete(m);
          if (c.action === 'UPSERT') for (const v of c.set.values) members.add(canonicalIp(v)?.address ?? v);
        }
        for (const r of result.rejected) {
          const id = idOf.get(r.item.set.name);
          const t = names.find((n) => n.id === id)?.t;
          if (id && t) ctx.rejections.reject(t, id, r.item.set.values);
          ctx.logger.warn('record change rejected by AWS, not retried until its keys change or a resync', {
            target: id ?? r.item.set.name,
            action: r.item.action,
            type: r.item.set.type,
            members: r.item.set.values,
            errorCode: r.error.code,
            error: r.error.message,
          });
        }
      }
    }
    const now = ctx.clock.now();
    for (const { id, t } of names) {
      const s = ctx.statuses.of(t, id);
      s.actual = [...(after.get(t.fqdn) ?? [])].sort();
      ctx.hold.observe(id, s.actual);
      s.rejected = ctx.rejections.of(id);
      s.lastSyncAt = now;
      s.lastError = undefined;
      if (!ctx.dryRun) ctx.applied(id, t, s.actual);
    }
  } catch (error) {
    for (const { id, t } of names) ctx.statuses.failed(t, id, error, ctx.clock.now());
    throw error;
  } finally {
    ctx.attempted(names.map((n) => n.id));
  }
}

const CONFLICT_HELP: Record<ForeignKind, string> = {
  alias: 'delete the alias set, or remove the keys of this family',
  'routing-policy': 'delete the routing-policy sets of this type, or remove the keys of this family',
  cname: 'delete the CNAME, or remove the keys of this name',
};

// A conflict is logged when it appears, not on every pass; /state and the metric show it as long as it lasts.
function reportConflicts(ctx: SyncContext, names: readonly ZoneName[], plans: readonly NamePlan[]): void {
  for (const { id, t } of names) {
    const mine = conflictsOf(plans.find((p) => p.fqdn === t.fqdn)?.changes ?? []);
    const status = ctx.statuses.of(t, id);
    for (const c of mine) {
      if (status.conflicts.some((o) => o.type === c.type && o.with === c.with)) continue;
      ctx.logger.warn('record set not written: a set lbmanager does not own is in the way', {
        target: id,
        action: 'conflict',
        type: c.type,
        conflictsWith: c.with,
        howToResolve: CONFLICT_HELP[c.with],
      });
    }
    status.conflicts = mine;
  }
}

function logRecordChange(
  ctx: SyncContext,
  idOf: ReadonlyMap<string, string>,
  c: RecordChange,
  action: 'applied' | 'dry-run',
): void {
  ctx.logger.info(action === 'applied' ? 'record set changed' : 'record set change (dry run, not applied)', {
    target: idOf.get(c.set.name) ?? c.set.name,
    action: `${c.action} ${c.set.type}`.toLowerCase(),
    members: c.set.values,
    ttl: c.set.ttl,
    ...(action === 'dry-run' ? { dryRun: true } : {}),
  });
}

// A DELETE or CREATE that fails because the set is not what we read means our read is stale (someone else changed
// the zone): that is not a bad member, so the whole reconcile is retried with a fresh read.
function isStaleRoute53Read(error: AwsCallError): boolean {
  return /values provided do not match|but it was not found|but it already exists/.test(error.message);
}
