import type { LifecycleTimes } from './target-lifecycle.js';

/**
 * The account-wide knobs of the ELB and ELBv2 model, set as faults (flags, `POST /_fake/faults`): they are how this
 * fake account behaves, not what it holds, so they are not part of the state. A target group's own values in the
 * state (`targetLimit`, `healthyAfterMs`, `deregistrationDelayMs`) win over them, as a group's attributes do.
 */
export interface ElbModel {
  /**
   * Describes (DescribeLoadBalancers, DescribeInstanceHealth, DescribeTargetHealth) show the membership as it was
   * this many ms ago; writes apply at once. @default 0
   */
  describeLagMs: number;
  /** From registration to `healthy` (ELBv2) or `InService` (Classic ELB). @default 100 */
  healthyAfterMs: number;
  /** How long a deregistered ELBv2 target stays `draining` (AWS's default: 300 s; short here, for tests). @default 300 */
  deregistrationDelayMs: number;
  /** Registered targets a target group may hold ("Targets per Target Group per Region", default 1,000). @default 1000 */
  targetsPerGroup: number;
  /** Registrations of one target id across the target groups of a region. @default 100 */
  registrationsPerTarget: number;
}

/** The model's defaults. */
export const DEFAULT_ELB_MODEL: Readonly<ElbModel> = {
  describeLagMs: 0,
  healthyAfterMs: 100,
  deregistrationDelayMs: 300,
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html#target-groups-quotas
  targetsPerGroup: 1000,
  // "Number of times a target can be registered per load balancer: 100" (the ALB quotas page before Service Quotas:
  // https://github.com/awsdocs/elb-application-load-balancers-user-guide/blob/master/doc_source/load-balancer-limits.md).
  // The fake does not model which load balancer a group serves, so it counts across the groups of a region.
  registrationsPerTarget: 100,
};

/** The names of the model's faults. */
export const ELB_MODEL_KEYS: ReadonlyArray<keyof ElbModel> = Object.keys(DEFAULT_ELB_MODEL) as Array<keyof ElbModel>;

/** The model's knobs from options that may set some of them; defaults for the others. */
export function elbModelFrom(options: Partial<ElbModel>): ElbModel {
  return {
    describeLagMs: options.describeLagMs ?? DEFAULT_ELB_MODEL.describeLagMs,
    healthyAfterMs: options.healthyAfterMs ?? DEFAULT_ELB_MODEL.healthyAfterMs,
    deregistrationDelayMs: options.deregistrationDelayMs ?? DEFAULT_ELB_MODEL.deregistrationDelayMs,
    targetsPerGroup: options.targetsPerGroup ?? DEFAULT_ELB_MODEL.targetsPerGroup,
    registrationsPerTarget: options.registrationsPerTarget ?? DEFAULT_ELB_MODEL.registrationsPerTarget,
  };
}

/** Checks a model fault beyond "a number >= 0"; throws a clear Error. */
export function checkElbModelFault(key: string, value: number): void {
  if ((key === 'targetsPerGroup' || key === 'registrationsPerTarget') && (!Number.isInteger(value) || value < 1)) {
    throw new Error(`fault ${key} must be a whole number >= 1`);
  }
}

/** The lifecycle times of a target group: its own, else the account's. */
export function lifecycleOf(
  g: { healthyAfterMs?: number; deregistrationDelayMs?: number },
  model: ElbModel,
): LifecycleTimes {
  return {
    healthyAfterMs: g.healthyAfterMs ?? model.healthyAfterMs,
    deregistrationDelayMs: g.deregistrationDelayMs ?? model.deregistrationDelayMs,
  };
}
