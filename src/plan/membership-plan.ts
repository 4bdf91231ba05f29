/** `sync`: lbmanager owns the whole membership; `upsert-only`: it only ever adds. */
export type Policy = 'sync' | 'upsert-only';

/** The changes that make a load balancer's or target group's members equal to the desired ones. */
export interface MembershipPlan {
  /** Members to register, sorted. Applied first, so a `single` switch never leaves the target empty. */
  readonly register: string[];
  /** Members to deregister, sorted (empty under `upsert-only`). */
  readonly deregister: string[];
  /** Extra members kept only because the policy forbids removals. */
  readonly keptByPolicy: string[];
}

/** Most members AWS accepts comfortably in one register/deregister call. */
export const MAX_MEMBERS_PER_CALL = 100;

/** Compares desired and actual members and returns what to register and deregister under a policy. */
export function planMembership(desired: readonly string[], actual: readonly string[], policy: Policy): MembershipPlan {
  const want = new Set(desired);
  const have = new Set(actual);
  const register = [...want].filter((m) => !have.has(m)).sort();
  const extra = [...have].filter((m) => !want.has(m)).sort();
  return policy === 'sync'
    ? { register, deregister: extra, keptByPolicy: [] }
    : { register, deregister: [], keptByPolicy: extra };
}

/** Splits items into chunks of at most `size` (default {@link MAX_MEMBERS_PER_CALL}). */
export function chunk<T>(items: readonly T[], size: number = MAX_MEMBERS_PER_CALL): T[][] {
  if (size < 1) throw new RangeError('chunk size must be at least 1');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** True when the plan changes nothing. */
export function isEmptyPlan(plan: MembershipPlan): boolean {
  return plan.register.length === 0 && plan.deregister.length === 0;
}
