import { addedBy, removedBy } from '../plan/changes.js';
import { chunk } from '../plan/membership-plan.js';
import { AwsCallError, type MembershipProvider, type MembershipTarget } from '../providers/types.js';
import { splitTarget } from '../util/targets.js';
import { applyIsolating } from './isolate.js';
import { readGroupPlan } from './read-plan.js';
import type { SyncContext } from './sync-context.js';

/**
 * Reconciles one load balancer or target group: reads it, plans it against the tree (without members AWS rejected),
 * registers the missing members first and then deregisters the extra ones (so a `single` switch never leaves it empty),
 * at most 100 a call, isolating members AWS refuses. Removals wait while the first pass runs or the guard holds them.
 */
export async function syncGroup(
  ctx: SyncContext,
  provider: MembershipProvider,
  id: string,
  t: MembershipTarget,
): Promise<void> {
  const status = ctx.statuses.of(t, id);
  const d = ctx.index.desired(t, id);
  const { members } = ctx.rejections.filter(t, id, d.members);
  status.activeClass = d.activeClass;
  status.desired = members;
  try {
    const plan = await readGroupPlan(provider, t, members, ctx.policy);
    status.desired = plan.desired;
    ctx.hold.observe(id, plan.actual);
    status.keptByPolicy = plan.keptByPolicy;
    status.heldRemovals = [];
    const register = addedBy(plan.changes);
    let deregister = removedBy(plan.changes);
    if (deregister.length > 0 && !ctx.dryRun && !ctx.mayRemove(id)) {
      status.heldRemovals = deregister;
      deregister = [];
    }
    const after = new Set(plan.actual);
    if (ctx.dryRun) {
      logChange(ctx, id, 'dry-run', register, deregister);
    } else {
      let added: string[];
      let removed: string[] = [];
      try {
        added = await applyMembers(ctx, id, t, provider, 'register', register);
      } catch (error) {
        // A full group never frees room if its removals wait for the registration that fails: take them first.
        if (!isTargetQuota(error) || deregister.length === 0) throw error;
        ctx.logger.warn('target quota reached: removing members before adding', {
          target: id,
          action: 'deregister-first',
          errorCode: error.code,
          removing: deregister.length,
        });
        removed = await applyMembers(ctx, id, t, provider, 'deregister', deregister);
        for (const m of removed) after.delete(m);
        deregister = [];
        added = await applyMembers(ctx, id, t, provider, 'register', register);
      }
      for (const m of added) after.add(m);
      const rest = await applyMembers(ctx, id, t, provider, 'deregister', deregister);
      for (const m of rest) after.delete(m);
      removed = [...removed, ...rest];
      logChange(ctx, id, 'applied', added, removed);
    }
    status.actual = [...after].sort();
    ctx.hold.observe(id, status.actual);
    status.rejected = ctx.rejections.of(id);
    status.lastSyncAt = ctx.clock.now();
    status.lastError = undefined;
    if (!ctx.dryRun) ctx.applied(id, t, status.actual);
  } catch (error) {
    ctx.statuses.failed(t, id, error, ctx.clock.now());
    throw error;
  } finally {
    ctx.attempted([id]);
  }
}

/** Registers or deregisters members in calls of at most 100, splitting a refused call to find its bad members. */
async function applyMembers(
  ctx: SyncContext,
  id: string,
  t: MembershipTarget,
  provider: MembershipProvider,
  action: 'register' | 'deregister',
  members: readonly string[],
): Promise<string[]> {
  const applied: string[] = [];
  for (const part of chunk(members)) {
    const result = await applyIsolating(
      part,
      // AWS names ELBv2 offenders by id, without the port.
      (m) => (t.kind === 'elbv2' ? splitTarget(m).id : m),
      (batch) => provider[action](t, batch),
    );
    applied.push(...result.applied);
    if (result.rejected.length === 0) continue;
    ctx.rejections.reject(
      t,
      id,
      result.rejected.map((r) => r.item),
    );
    for (const r of result.rejected) {
      ctx.logger.warn('member rejected by AWS, not retried until its key changes or a resync', {
        target: id,
        action,
        member: r.item,
        errorCode: r.error.code,
        error: r.error.message,
      });
    }
  }
  return applied;
}

function logChange(
  ctx: SyncContext,
  id: string,
  action: 'applied' | 'dry-run',
  added: readonly string[],
  removed: readonly string[],
): void {
  if (added.length === 0 && removed.length === 0) return;
  ctx.logger.info(action === 'applied' ? 'membership changed' : 'membership change (dry run, not applied)', {
    target: id,
    action,
    added,
    removed,
  });
}

// AWS's target quotas (targets per group, registrations per target): room is made by the group's own removals.
function isTargetQuota(error: unknown): error is AwsCallError {
  return (
    error instanceof AwsCallError &&
    [
      'TooManyTargets',
      'TooManyTargetsException',
      'TooManyRegistrationsForTarget',
      'TooManyRegistrationsForTargetException',
    ].includes(error.code)
  );
}
