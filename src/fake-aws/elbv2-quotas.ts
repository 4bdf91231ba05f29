import { ApiError } from './api.js';
import type { ElbModel } from './elb-model.js';
import type { FakeAwsState, FakeTargetGroup } from './state.js';
import { isRegisteredAt } from './target-lifecycle.js';

/**
 * The quotas, checked on what the call would add (targets not registered now; a draining target registered again
 * counts, draining ones do not: "Deregistering a target removes it from your target group"
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#registered-targets).
 */
export function checkQuotas(
  state: FakeAwsState,
  region: string,
  g: FakeTargetGroup,
  added: ReadonlyArray<{ id: string }>,
  model: ElbModel,
): void {
  if (added.length === 0) return;
  const now = state.now();
  const perId = new Map<string, number>();
  for (const t of added) perId.set(t.id, (perId.get(t.id) ?? 0) + 1);
  for (const group of state.elbv2Region(region).values()) {
    for (const t of group.targets.current.values()) {
      if (perId.has(t.id) && isRegisteredAt(t, now)) perId.set(t.id, (perId.get(t.id) ?? 0) + 1);
    }
  }
  for (const [id, n] of perId) {
    if (n > model.registrationsPerTarget) {
      // The API reference's description of the error (AWS's live message was not found), naming the target.
      throw new ApiError(
        400,
        'TooManyRegistrationsForTargetId',
        `You've reached the limit on the number of times a target can be registered with a load balancer: '${id}' (${model.registrationsPerTarget})`,
        g.name,
      );
    }
  }
  const limit = g.targetLimit ?? model.targetsPerGroup;
  let count = added.length;
  for (const t of g.targets.current.values()) if (isRegisteredAt(t, now)) count++;
  if (count > limit) {
    // AWS's wording for the quota of an NLB (kubernetes/cloud-provider-aws#1328: "TooManyTargets: You cannot have
    // more than 1000 targets per network load balancer with cross-zone load balancing enabled."), said of the group.
    throw new ApiError(400, 'TooManyTargets', `You cannot have more than ${limit} targets per target group.`, g.name);
  }
}
