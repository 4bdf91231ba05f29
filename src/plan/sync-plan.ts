import type { MemberClass, Target } from '../tree/types.js';
import { addedBy, conflictsOf, recordChangesOf, removedBy, type Change } from './changes.js';
import {
  DEFAULT_REMOVAL_GUARD,
  HOW_TO_CONFIRM,
  removalsExceedLimit,
  tallyRemovals,
  type RemovalTally,
} from './removal-guard.js';

/** What one sync would do to one target (a load balancer, a target group or a DNS name). */
export interface TargetPlan {
  readonly id: string;
  readonly kind: Target['kind'];
  /** Undefined when the tree has no keys for the target (it is known from the state record). */
  readonly activeClass: MemberClass | undefined;
  readonly desired: readonly string[];
  /** `weighted` names: each desired member's weight. */
  readonly weights?: Readonly<Record<string, number>>;
  /** What AWS has now; undefined when it could not be read. */
  readonly actual: readonly string[] | undefined;
  /** What the sync does, as the reconciler would apply it. */
  readonly changes: readonly Change[];
  /** Extra members left in place because the policy forbids removals. */
  readonly keptByPolicy: readonly string[];
  /** Why the target could not be planned. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** What one sync of the whole tree would do. */
export interface SyncPlan {
  readonly revision: bigint;
  readonly targets: readonly TargetPlan[];
  readonly malformedKeys: number;
  readonly removals: RemovalTally;
  /** True when the removal guard would hold the removals until confirmed. */
  readonly removalsHeld: boolean;
}

/** Exit codes of `lbmanager plan`. */
export const PLAN_EXIT = { inSync: 0, error: 1, changes: 2 } as const;

/** True when the target would be changed (a conflict, or members over Route53's limit, change nothing). */
export function hasChanges(t: TargetPlan): boolean {
  return t.changes.some((c) => c.kind !== 'conflict' && c.kind !== 'over-limit');
}

/** Puts the per-target plans together and decides whether the removal guard would hold. */
export function summarisePlan(
  revision: bigint,
  targets: readonly TargetPlan[],
  malformedKeys: number,
  guard: { readonly maxRemovalPercent: number; readonly confirmed: boolean },
): SyncPlan {
  const sorted = [...targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const removals = tallyRemovals(
    sorted
      .filter((t) => t.actual !== undefined)
      .map((t) => ({ lastSeen: t.actual ?? [], desired: new Set(t.desired) })),
  );
  const removalsHeld =
    !guard.confirmed &&
    sorted.some((t) => removedBy(t.changes).length > 0) &&
    removalsExceedLimit(removals, { ...DEFAULT_REMOVAL_GUARD, maxRemovalPercent: guard.maxRemovalPercent });
  return { revision, targets: sorted, malformedKeys, removals, removalsHeld };
}

/** 0 when nothing would change, 2 when changes are pending, 1 when a target could not be planned. */
export function planExitCode(plan: SyncPlan): number {
  if (plan.targets.some((t) => t.error)) return PLAN_EXIT.error;
  return plan.targets.some(hasChanges) ? PLAN_EXIT.changes : PLAN_EXIT.inSync;
}

/** The plan as an operator reads it: one block per changed or failed target, then a summary line. */
export function renderPlanText(plan: SyncPlan): string {
  const lines: string[] = [];
  for (const t of plan.targets) {
    const conflicts = conflictsOf(t.changes);
    const overLimit = t.changes.flatMap((c) => (c.kind === 'over-limit' ? [c] : []));
    // Every change counts here, conflicts and members over a limit included: each is a line to show.
    if (t.changes.length === 0 && !t.error && t.keptByPolicy.length === 0) continue;
    const cls = t.activeClass ?? 'no keys';
    lines.push(`${t.id} (${t.kind}, ${cls})`);
    if (t.error) lines.push(`  ! cannot read: ${t.error.code}: ${t.error.message}`);
    for (const c of conflicts) {
      lines.push(
        `  ! conflict: ${c.type} is held by ${CONFLICT_WORDS[c.with] ?? c.with} lbmanager does not own; not written`,
      );
    }
    for (const c of overLimit) {
      lines.push(`  ! over Route53's limit of ${c.limit} weighted ${c.type} sets: ${c.members.join(' ')} not written`);
    }
    const records = recordChangesOf(t.changes);
    for (const c of records) {
      const values = c.set.values.join(' ');
      const policy =
        c.set.weight !== undefined ? ` weight ${c.set.weight}` : c.set.multiValueAnswer ? ' multivalue' : '';
      const id = c.set.setIdentifier !== undefined ? `, set ${c.set.setIdentifier}` : '';
      lines.push(
        `  ${c.action === 'DELETE' ? '-' : '~'} ${c.action} ${c.set.type} ${values}${policy} (ttl ${c.set.ttl}${id})`,
      );
    }
    if (records.length === 0) {
      for (const m of addedBy(t.changes)) lines.push(`  + ${m}`);
      for (const m of removedBy(t.changes)) lines.push(`  - ${m}`);
    }
    for (const m of t.keptByPolicy) lines.push(`  = ${m} (kept: upsert-only policy)`);
  }
  const changed = plan.targets.filter(hasChanges);
  const failed = plan.targets.filter((t) => t.error);
  const inConflict = plan.targets.filter((t) => conflictsOf(t.changes).length > 0);
  const registers = changed.reduce((n, t) => n + addedBy(t.changes).length, 0);
  const deregisters = changed.reduce((n, t) => n + removedBy(t.changes).length, 0);
  const summary =
    changed.length === 0 && failed.length === 0
      ? `In sync: ${plan.targets.length} targets at revision ${plan.revision}, no changes.`
      : `${changed.length} of ${plan.targets.length} targets would change at revision ${plan.revision}: ` +
        `${registers} members added, ${deregisters} removed` +
        (failed.length > 0 ? `; ${failed.length} could not be read` : '') +
        '.';
  lines.push(summary);
  if (inConflict.length > 0) {
    lines.push(
      `${inConflict.length} names have record sets lbmanager does not own in the way (conflicts): nothing is written ` +
        'there until they are removed.',
    );
  }
  if (plan.removalsHeld) {
    lines.push(
      `The removal guard would hold the ${plan.removals.pending} removals (of ${plan.removals.managed} managed members) ` +
        `until confirmed: ${HOW_TO_CONFIRM}.`,
    );
  }
  if (plan.malformedKeys > 0)
    lines.push(`${plan.malformedKeys} malformed keys ignored (lbmanager validate lists them).`);
  return `${lines.join('\n')}\n`;
}

const CONFLICT_WORDS: Record<string, string> = {
  alias: 'an alias set',
  'routing-policy': 'routing-policy sets (weighted, latency, failover, geolocation or multivalue)',
  cname: 'a CNAME at the name',
};

/** The plan as JSON (bigints as strings). */
export function renderPlanJson(plan: SyncPlan): string {
  return `${JSON.stringify(
    {
      revision: plan.revision.toString(),
      inSync: planExitCode(plan) === PLAN_EXIT.inSync,
      malformedKeys: plan.malformedKeys,
      removals: { ...plan.removals, held: plan.removalsHeld },
      targets: plan.targets.map((t) => ({
        ...t,
        activeClass: t.activeClass ?? null,
        actual: t.actual ?? null,
        register: addedBy(t.changes),
        deregister: removedBy(t.changes),
        recordChanges: recordChangesOf(t.changes).map((c) => ({ action: c.action, ...c.set })),
        conflicts: conflictsOf(t.changes),
        changed: hasChanges(t),
      })),
    },
    null,
    2,
  )}\n`;
}
