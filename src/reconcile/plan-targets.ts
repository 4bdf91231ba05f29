import PQueue from 'p-queue';
import type { Change } from '../plan/changes.js';
import { planMembership, type Policy } from '../plan/membership-plan.js';
import type { TargetPlan } from '../plan/sync-plan.js';
import { nameDesired } from '../plan/route53-plan.js';
import { AwsCallError } from '../providers/types.js';
import type { TreeIndex } from '../tree/tree-index.js';
import type { Route53Target, Target } from '../tree/types.js';
import { canonicalIp } from '../util/ip.js';
import { membershipProviderOf, type Providers } from './providers.js';
import { readGroupPlan, readZonePlan } from './read-plan.js';

/** How `planTargets` plans: the daemon's own settings. */
export interface PlanTargetsOptions {
  readonly policy: Policy;
  readonly route53Ttl: number;
  /** Reads at once. */
  readonly concurrency: number;
}

/**
 * Reads every target once (one read per zone, bounded concurrency) and plans it with the daemon's own planner
 * (`read-plan.ts`), applying nothing: what `lbmanager plan` prints is what a sync would do.
 */
export async function planTargets(
  index: TreeIndex,
  targets: ReadonlyMap<string, Target>,
  providers: Providers,
  options: PlanTargetsOptions,
): Promise<TargetPlan[]> {
  const queue = new PQueue({ concurrency: options.concurrency });
  const plans: TargetPlan[] = [];
  const zones = new Map<string, Array<{ id: string; t: Route53Target }>>();
  const desiredOf = (id: string, t: Target) => index.desired(t, id);
  for (const [id, t] of targets) {
    if (t.kind === 'route53') {
      const names = zones.get(t.zoneId) ?? [];
      zones.set(t.zoneId, names);
      names.push({ id, t });
      continue;
    }
    void queue.add(async () => {
      const d = desiredOf(id, t);
      const base = { id, kind: t.kind, activeClass: d.activeClass, desired: [...d.members] };
      try {
        const provider = membershipProviderOf(providers, t);
        if (!provider)
          throw new AwsCallError('other', 'Unsupported', `${t.kind} targets are not supported by this build`);
        const p = await readGroupPlan(provider, t, d.members, options.policy);
        plans.push({ ...base, desired: p.desired, actual: p.actual, changes: p.changes, keptByPolicy: p.keptByPolicy });
      } catch (e) {
        plans.push({ ...base, actual: undefined, changes: [], keptByPolicy: [], error: errorOf(e) });
      }
    });
  }
  for (const [zoneId, names] of zones) {
    void queue.add(async () => {
      const desired = names.map(({ id, t }) => ({ id, t, d: desiredOf(id, t) }));
      try {
        const region = names[0]?.t.region ?? 'us-east-1';
        const zone = await readZonePlan(
          providers.route53(region),
          zoneId,
          desired.map(({ t, d }) => nameDesired(t.fqdn, d, d.members)),
          options.route53Ttl,
          options.policy,
        );
        for (const { id, t, d } of desired) {
          const changes: readonly Change[] = zone.names.find((n) => n.fqdn === t.fqdn)?.changes ?? [];
          const actual = zone.seen(t.fqdn);
          // A family in conflict is left alone: its members are neither added nor kept.
          const blocked = new Set<number>(
            changes.flatMap((c) => (c.kind === 'conflict' ? [c.type === 'A' ? 4 : 6] : [])),
          );
          const writable = (m: string): boolean => !blocked.has(canonicalIp(m)?.family ?? 0);
          const kept = planMembership(d.members.filter(writable), actual.filter(writable), options.policy).keptByPolicy;
          plans.push({
            id,
            kind: t.kind,
            activeClass: d.activeClass,
            desired: [...d.members],
            ...(d.weights ? { weights: d.weights } : {}),
            actual,
            changes: [...changes],
            keptByPolicy: kept,
          });
        }
      } catch (e) {
        const error = errorOf(e);
        for (const { id, t, d } of desired) {
          plans.push({
            id,
            kind: t.kind,
            activeClass: d.activeClass,
            desired: [...d.members],
            actual: undefined,
            changes: [],
            keptByPolicy: [],
            error,
          });
        }
      }
    });
  }
  await queue.onIdle();
  return plans;
}

function errorOf(e: unknown): { code: string; message: string } {
  return {
    code: e instanceof AwsCallError ? e.code : e instanceof Error ? e.name : 'Error',
    message: e instanceof Error ? e.message : String(e),
  };
}
