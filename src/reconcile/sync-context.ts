import type { Policy } from '../plan/membership-plan.js';
import type { TreeIndex } from '../tree/tree-index.js';
import type { Target } from '../tree/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { Rejections } from './rejections.js';
import type { RemovalHold } from './removal-hold.js';
import type { TargetStatuses } from './target-status.js';

/** What a reconcile of one load balancer, target group or zone works with (the reconciler provides it). */
export interface SyncContext {
  readonly index: TreeIndex;
  readonly statuses: TargetStatuses;
  readonly rejections: Rejections;
  readonly hold: RemovalHold;
  readonly policy: Policy;
  /** Compute and log every change, apply none. */
  readonly dryRun: boolean;
  /** TTL of the record sets lbmanager writes. */
  readonly route53Ttl: number;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Whether a target may remove members now; if not, it is reconciled again when that changes. */
  mayRemove(id: string): boolean;
  /** Called after every attempt (successful or not) of these targets. */
  attempted(ids: readonly string[]): void;
  /** Called after a target was applied (not in a dry run) with what AWS now has. */
  applied(id: string, t: Target, members: readonly string[]): void;
}
