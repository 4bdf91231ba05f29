import { conflictsOf, overLimitOf, recordChangesOf, removedBy } from '../plan/changes.js';
import type { ForeignKind, RecordChange } from '../plan/records.js';
import {
  batchChanges,
  nameDesired,
  recordUnits,
  setsAfter,
  splitUnit,
  type NameDesired,
  type NamePlan,
} from '../plan/route53-plan.js';
import type { AwsCallError, Route53Provider } from '../providers/types.js';
import type { Route53Target } from '../tree/types.js';
import { canonicalIp } from '../util/ip.js';
import { applyIsolating, type IsolationResult } from './isolate.js';
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
    s.weights = d.weights ? Object.fromEntries(members.map((m) => [m, d.weights?.[m] ?? 1])) : undefined;
    desired.push(nameDesired(t.fqdn, d, members));
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
    const changes = recordChangesOf(plans.flatMap((p) => p.changes));
    const applied: RecordChange[] = [];
    if (ctx.dryRun) {
      for (const c of changes) logRecordChange(ctx, idOf, c, 'dry-run');
    } else {
      for (const batch of batchChanges(changes)) {
        const result = await applyBatch(provider, zoneId, batch);
        for (const c of result.applied.flat()) {
          logRecordChange(ctx, idOf, c, 'applied');
          applied.push(c);
        }
        for (const r of result.rejected) rejectUnit(ctx, names, idOf, r.item, r.error);
      }
    }
    const after = new Map<string, Set<string>>();
    for (const set of setsAfter(zone.records.owned, applied)) {
      let members = after.get(set.name);
      if (!members) after.set(set.name, (members = new Set()));
      for (const v of set.values) members.add(canonicalIp(v)?.address ?? v);
    }
    const now = ctx.clock.now();
    for (const { id, t } of names) {
      const s = ctx.statuses.of(t, id);
      s.actual = [...(after.get(t.fqdn) ?? [])].sort();
      ctx.hold.observe(id, s.actual);
      s.rejected = [...new Set([...ctx.rejections.of(id), ...overLimitOf(changesOf(plans, t.fqdn))])].sort();
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

/**
 * Applies one batch, isolating what Route53 refuses: whole units first (a name and family's changes, so a switch is
 * never applied by halves), then the parts of a refused unit ({@link splitUnit}), so one member set Route53 refuses
 * does not hold back the other members of its name.
 */
async function applyBatch(
  provider: Route53Provider,
  zoneId: string,
  batch: readonly RecordChange[],
): Promise<IsolationResult<RecordChange[]>> {
  const nameOf = (u: readonly RecordChange[]): string => `${u[0]?.set.name ?? ''}/${u[0]?.set.type ?? ''}`;
  const call = (part: ReadonlyArray<readonly RecordChange[]>): Promise<void> =>
    provider.changeRecordSets(zoneId, part.flat());
  const first = await applyIsolating(recordUnits(batch), nameOf, call, isStaleRoute53Read);
  const applied = [...first.applied];
  const rejected: Array<{ item: RecordChange[]; error: AwsCallError }> = [];
  for (const r of first.rejected) {
    const parts = splitUnit(r.item);
    if (parts.length === 1) {
      rejected.push(r);
      continue;
    }
    const again = await applyIsolating(parts, nameOf, call, isStaleRoute53Read);
    applied.push(...again.applied);
    rejected.push(...again.rejected);
  }
  return { applied, rejected };
}

// The members of a unit Route53 refused are not retried until their keys change or a resync: those it would have
// written, or, for a unit of DELETEs only, those it would have removed.
function rejectUnit(
  ctx: SyncContext,
  names: readonly ZoneName[],
  idOf: ReadonlyMap<string, string>,
  unit: readonly RecordChange[],
  error: AwsCallError,
): void {
  const first = unit[0];
  if (!first) return;
  const id = idOf.get(first.set.name);
  const t = names.find((n) => n.id === id)?.t;
  const upserts = unit.filter((c) => c.action === 'UPSERT');
  const members = [...new Set((upserts.length > 0 ? upserts : unit).flatMap((c) => c.set.values))].sort();
  if (id && t) ctx.rejections.reject(t, id, members);
  ctx.logger.warn('record change rejected by AWS, not retried until its keys change or a resync', {
    target: id ?? first.set.name,
    action: unit.map((c) => c.action).join(','),
    type: first.set.type,
    members,
    errorCode: error.code,
    error: error.message,
  });
}

const CONFLICT_HELP: Record<ForeignKind, string> = {
  alias: 'delete the alias set, or remove the keys of this family',
  'routing-policy': 'delete the routing-policy sets of this type, or remove the keys of this family',
  cname: 'delete the CNAME, or remove the keys of this name',
};

const changesOf = (plans: readonly NamePlan[], fqdn: string) => plans.find((p) => p.fqdn === fqdn)?.changes ?? [];

// A conflict is logged when it appears, not on every pass; /state and the metric show it as long as it lasts. So are
// members over Route53's limit of weighted sets, which /state lists among the rejected.
function reportConflicts(ctx: SyncContext, names: readonly ZoneName[], plans: readonly NamePlan[]): void {
  for (const { id, t } of names) {
    const over = overLimitOf(changesOf(plans, t.fqdn));
    const status = ctx.statuses.of(t, id);
    const fresh = over.filter((m) => !status.rejected.includes(m));
    if (fresh.length > 0) {
      ctx.logger.warn("members not written: Route53's limit of weighted sets of a name and type is reached", {
        target: id,
        action: 'over-limit',
        members: fresh,
      });
    }
    const mine = conflictsOf(changesOf(plans, t.fqdn));
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
    ...(c.set.setIdentifier !== undefined ? { setIdentifier: c.set.setIdentifier } : {}),
    ...(c.set.weight !== undefined ? { weight: c.set.weight } : {}),
    ...(c.set.multiValueAnswer ? { multiValueAnswer: true } : {}),
    ...(action === 'dry-run' ? { dryRun: true } : {}),
  });
}

// A DELETE or CREATE that fails because the set is not what we read means our read is stale (someone else changed
// the zone): that is not a bad member, so the whole reconcile is retried with a fresh read.
function isStaleRoute53Read(error: AwsCallError): boolean {
  return /values provided do not match|but it was not found|but it already exists/.test(error.message);
}
