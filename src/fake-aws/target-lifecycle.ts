/**
 * Target lifecycle, computed from timestamps rather than timers, so that a state read at any time (now, or N ms ago
 * for a lagging describe) is a pure function of the record and the time, and unit tests need no sleeping.
 */

/** An ELBv2 target registration; replaced, never mutated. */
export interface TargetRecord {
  readonly id: string;
  readonly port: number;
  /** `all`, a zone given at registration, or the zone the fake detected (ip targets in the VPC); none for instances. */
  readonly availabilityZone?: string;
  readonly registeredAt: number;
  /** When the initial health checks pass. */
  readonly healthyAt: number;
  /** When DeregisterTargets was called; absent while registered. */
  readonly drainingFrom?: number;
  /** When the deregistration delay ends and the target is gone. */
  readonly goneAt?: number;
}

/** A Classic ELB instance registration. */
export interface InstanceRecord {
  readonly registeredAt: number;
  readonly inServiceAt: number;
}

/** The state of a target at some time; `gone` once its deregistration delay has passed. */
export type TargetState = 'initial' | 'healthy' | 'draining' | 'gone';

/** The lifecycle settings of a target group (attribute-like, per group, with account defaults). */
export interface LifecycleTimes {
  /** From registration to `healthy`. */
  readonly healthyAfterMs: number;
  /** `deregistration_delay.timeout_seconds`, in ms: how long a deregistered target stays `draining`. */
  readonly deregistrationDelayMs: number;
}

/** The state of a target at time `at`. */
export function targetStateAt(t: TargetRecord, at: number): TargetState {
  if (t.drainingFrom !== undefined && at >= t.drainingFrom)
    return at < (t.goneAt ?? t.drainingFrom) ? 'draining' : 'gone';
  return at >= t.healthyAt ? 'healthy' : 'initial';
}

/** Whether a target counts as registered at `at` (initial or healthy): draining targets are removed from the group. */
export function isRegisteredAt(t: TargetRecord, at: number): boolean {
  const s = targetStateAt(t, at);
  return s === 'initial' || s === 'healthy';
}

/**
 * A registration at `now`. A target registered again while draining is registered again as it was: it keeps its
 * registration time and, once its health checks had passed, stays `healthy` (ansible/ansible#58995 shows a draining
 * target `healthy` right after RegisterTargets: https://github.com/ansible/ansible/pull/58995). A registered target
 * registered again is unchanged.
 */
export function registered(
  prev: TargetRecord | undefined,
  t: { id: string; port: number; availabilityZone?: string },
  now: number,
  times: LifecycleTimes,
): TargetRecord {
  const state = prev ? targetStateAt(prev, now) : 'gone';
  if (prev && (state === 'initial' || state === 'healthy')) return prev;
  const zone = t.availabilityZone !== undefined ? { availabilityZone: t.availabilityZone } : {};
  if (prev && state === 'draining') {
    return { id: prev.id, port: prev.port, ...zone, registeredAt: prev.registeredAt, healthyAt: prev.healthyAt };
  }
  return { id: t.id, port: t.port, ...zone, registeredAt: now, healthyAt: now + times.healthyAfterMs };
}

/**
 * A deregistration at `now`: `draining` for the group's deregistration delay, then gone ("The initial state of a
 * deregistering target is draining. After the deregistration delay elapses, the deregistration process completes and
 * the state of the target is unused": https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay).
 */
export function deregistered(prev: TargetRecord, now: number, times: LifecycleTimes): TargetRecord {
  return { ...prev, drainingFrom: now, goneAt: now + times.deregistrationDelayMs };
}

/** The TargetHealth element of DescribeTargetHealth for a state (reasons and descriptions as AWS words them). */
export function targetHealth(state: TargetState | 'unhealthy'): Record<string, string> {
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
  switch (state) {
    case 'initial':
      return {
        State: 'initial',
        Reason: 'Elb.RegistrationInProgress',
        Description: 'Target registration is in progress',
      };
    case 'healthy':
      return { State: 'healthy' };
    case 'unhealthy':
      // "Target.FailedHealthChecks - The load balancer received an error while establishing a connection to the
      // target or the target response was malformed."
      return { State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' };
    case 'draining':
      return {
        State: 'draining',
        Reason: 'Target.DeregistrationInProgress',
        Description: 'Target deregistration is in progress',
      };
    case 'gone':
      return {
        State: 'unused',
        Reason: 'Target.NotRegistered',
        Description: 'Target is not registered to the target group',
      };
  }
}

/** The InstanceState of DescribeInstanceHealth at `at` (descriptions from the API reference's list). */
export function instanceHealth(id: string, rec: InstanceRecord | undefined, at: number): Record<string, string> {
  // https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_InstanceState.html
  if (!rec) {
    return {
      InstanceId: id,
      State: 'Unknown',
      ReasonCode: 'ELB',
      Description: 'Instance is not currently registered with the LoadBalancer.',
    };
  }
  if (at >= rec.inServiceAt) return { InstanceId: id, State: 'InService', ReasonCode: 'N/A', Description: 'N/A' };
  return {
    InstanceId: id,
    State: 'OutOfService',
    ReasonCode: 'ELB',
    Description: 'Instance registration is still in progress.',
  };
}
