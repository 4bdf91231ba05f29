import { ApiError, INSTANCE_ID, structListParam } from './api.js';
import { lifecycleOf, type ElbModel } from './elb-model.js';
import { canBeTarget, zoneToRegister } from './elbv2-ip-targets.js';
import { checkQuotas } from './elbv2-quotas.js';
import { HISTORY_MS } from './membership.js';
import type { FakeAwsState, FakeTargetGroup } from './state.js';
import {
  deregistered,
  isRegisteredAt,
  registered,
  targetHealth,
  targetStateAt,
  type TargetRecord,
  type TargetState,
} from './target-lifecycle.js';

/** A target as a request describes it (`Targets.member.N.Id/Port/AvailabilityZone`), its port defaulted. */
export interface TargetInput {
  readonly id: string;
  readonly port: number;
  readonly availabilityZone?: string;
}

const key = (t: { id: string; port: number }): string => `${t.id}:${t.port}`;

/** The targets of a request; a port that is not 1-65535 is a ValidationError. */
export function parseTargets(p: URLSearchParams, g: FakeTargetGroup): TargetInput[] {
  return structListParam(p, 'Targets').map((t) => {
    const port = Number(t.Port ?? g.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ApiError(400, 'ValidationError', `Port ${t.Port ?? ''} is not valid`, g.name);
    }
    const az = t.AvailabilityZone;
    return { id: t.Id ?? '', port, ...(az !== undefined && az !== '' ? { availabilityZone: az } : {}) };
  });
}

/** RegisterTargets' checks, whole call: ValidationError, then InvalidTarget naming every bad target. */
function checkRegistration(
  state: FakeAwsState,
  region: string,
  g: FakeTargetGroup,
  targets: TargetInput[],
): TargetInput[] {
  if (g.targetType === 'ip') {
    return targets.map((t) => ({ id: t.id, port: t.port, availabilityZone: zoneToRegister(state, region, g, t) }));
  }
  // AWS answers an id that is not an instance id at all with ValidationError
  // (aws-load-balancer-controller#3668: "ValidationError: Instance ID '10.19.173.98' is not valid").
  const notAnId = targets.find((t) => !t.id.startsWith('i-'));
  if (notAnId) throw new ApiError(400, 'ValidationError', `Instance ID '${notAnId.id}' is not valid`, g.name);
  // "If the target is an EC2 instance, it must be in the running state when you register it."
  // (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html)
  const bad = targets.filter(
    (t) => !INSTANCE_ID.test(t.id) || state.isTerminated(region, t.id) || !state.instanceExists(region, t.id),
  );
  if (bad.length > 0) {
    throw new ApiError(
      400,
      'InvalidTarget',
      `The following targets are not in a running state and cannot be registered: ${[...new Set(bad.map((t) => `'${t.id}'`))].join(', ')}`,
      g.name,
    );
  }
  return targets.map((t) => ({ id: t.id, port: t.port }));
}

/** Forgets what no lagging describe can see any more: old changes, and targets gone before then. */
function tidy(g: FakeTargetGroup, now: number, model: ElbModel): void {
  const before = now - Math.max(HISTORY_MS, model.describeLagMs);
  g.targets.forget(before);
  for (const [k, t] of g.targets.current) if (t.goneAt !== undefined && t.goneAt < before) g.targets.purge(k);
}

/** RegisterTargets: all or nothing; new targets `initial`, then `healthy`; draining ones registered again. */
export function registerTargets(
  state: FakeAwsState,
  region: string,
  g: FakeTargetGroup,
  targets: TargetInput[],
  model: ElbModel,
): void {
  const now = state.now();
  const checked = checkRegistration(state, region, g, targets);
  const unique = new Map(checked.map((t) => [key(t), t]));
  const added = [...unique.values()].filter((t) => {
    const prev = g.targets.current.get(key(t));
    return !prev || !isRegisteredAt(prev, now);
  });
  checkQuotas(state, region, g, added, model);
  const times = lifecycleOf(g, model);
  for (const [k, t] of unique) {
    const prev = g.targets.current.get(k);
    const next = registered(prev, t, now, times);
    if (next !== prev) g.targets.set(k, next, now);
  }
  tidy(g, now, model);
}

/**
 * DeregisterTargets: registered targets start draining; "If the specified target does not exist, the action returns
 * successfully." (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeregisterTargets.html).
 * The zone rules of an IP target apply as they do to registration, since the same TargetDescription is required:
 * an IP outside the VPC is deregistered with `AvailabilityZone=all`, as it was registered.
 */
export function deregisterTargets(
  state: FakeAwsState,
  region: string,
  g: FakeTargetGroup,
  targets: TargetInput[],
  model: ElbModel,
): void {
  const now = state.now();
  const known = g.targetType === 'ip' ? targets.filter((t) => canBeTarget(state, region, g, t)) : targets;
  const times = lifecycleOf(g, model);
  for (const t of known) {
    const prev = g.targets.current.get(key(t));
    if (prev && isRegisteredAt(prev, now)) g.targets.set(key(t), deregistered(prev, now, times), now);
  }
  tidy(g, now, model);
}

/**
 * DescribeTargetHealth's descriptions, as the group was `describeLagMs` ago. A target the group lists as failing its
 * health checks is `unhealthy` where it would be `healthy`: still registered, as AWS keeps it.
 */
export function describeTargetHealth(
  state: FakeAwsState,
  g: FakeTargetGroup,
  asked: TargetInput[],
  model: ElbModel,
): Array<Record<string, unknown>> {
  const at = state.now() - model.describeLagMs;
  const view = g.targets.asOf(at);
  const health = (rec: TargetRecord | undefined): TargetState | 'unhealthy' => {
    const state = rec ? targetStateAt(rec, at) : 'gone';
    const failing = rec !== undefined && (g.unhealthy.has(rec.id) || g.unhealthy.has(key(rec)));
    return state === 'healthy' && failing ? 'unhealthy' : state;
  };
  const describe = (t: TargetInput, rec: TargetRecord | undefined): Record<string, unknown> => {
    const zone = rec?.availabilityZone ?? t.availabilityZone;
    return {
      Target: { Id: t.id, Port: t.port, ...(zone !== undefined ? { AvailabilityZone: zone } : {}) },
      HealthCheckPort: String(t.port),
      TargetHealth: targetHealth(health(rec)),
    };
  };
  if (asked.length > 0) return asked.map((t) => describe(t, view.get(key(t))));
  return [...view.values()]
    .filter((t) => targetStateAt(t, at) !== 'gone')
    .sort((a, b) => (a.id === b.id ? a.port - b.port : a.id < b.id ? -1 : 1))
    .map((t) => describe(t, t));
}
