import type { LifecycleTimes } from './target-lifecycle.js';

/**
 * The account-wide knobs of the ELB and ELBv2 model, set as faults (flags, `POST /_fake/faults`): they are how this
 * fake account behaves, not what it holds, so they are not part of the state. A target group's own values in the
 * state (`healthyAfterMs`, `deregistrationDelayMs`) win over them, as a group's attributes do.
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
}

/** The model's defaults. */
export const DEFAULT_ELB_MODEL: Readonly<ElbModel> = {
  describeLagMs: 0,
  healthyAfterMs: 100,
  deregistrationDelayMs: 300,
};

/** The names of the model's faults. */
export const ELB_MODEL_KEYS: ReadonlyArray<keyof ElbModel> = Object.keys(DEFAULT_ELB_MODEL) as Array<keyof ElbModel>;

/** The model's knobs from options that may set some of them; defaults for the others. */
export function elbModelFrom(options: Partial<ElbModel>): ElbModel {
  return {
    describeLagMs: options.describeLagMs ?? DEFAULT_ELB_MODEL.describeLagMs,
    healthyAfterMs: options.healthyAfterMs ?? DEFAULT_ELB_MODEL.healthyAfterMs,
    deregistrationDelayMs: options.deregistrationDelayMs ?? DEFAULT_ELB_MODEL.deregistrationDelayMs,
  };
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
