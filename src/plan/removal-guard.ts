/** Settings of the removal guard (docs/architecture.md, Reconciling: Safety). */
export interface RemovalGuardOptions {
  /** Removals above this percentage of all managed members are held. @default 50 */
  readonly maxRemovalPercent: number;
  /** Removals below this count are never held. @default 10 */
  readonly minRemovals: number;
}

/** docs/architecture.md, Reconciling: more than 50 % of all managed members, and at least 10. */
export const DEFAULT_REMOVAL_GUARD: RemovalGuardOptions = { maxRemovalPercent: 50, minRemovals: 10 };

/** The removals the tree implies at one moment, summed over every target. */
export interface RemovalTally {
  /** Members AWS was last seen to have, over all managed targets. */
  readonly managed: number;
  /** Of those, the members the tree no longer wants. */
  readonly pending: number;
}

/** Counts, over targets, the members last seen in AWS and those of them the tree no longer wants. */
export function tallyRemovals(
  targets: Iterable<{
    readonly lastSeen: ReadonlySet<string> | readonly string[];
    readonly desired: ReadonlySet<string>;
  }>,
): RemovalTally {
  let managed = 0;
  let pending = 0;
  for (const t of targets) {
    for (const m of t.lastSeen) {
      managed++;
      if (!t.desired.has(m)) pending++;
    }
  }
  return { managed, pending };
}

/**
 * True when the pending removals look like an accident (a wrong prefix, a wrong etcd cluster, a purge) rather than
 * ordinary churn: at least `minRemovals` and more than `maxRemovalPercent` of all managed members.
 */
export function removalsExceedLimit(
  tally: RemovalTally,
  options: RemovalGuardOptions = DEFAULT_REMOVAL_GUARD,
): boolean {
  return tally.pending >= options.minRemovals && tally.pending * 100 > options.maxRemovalPercent * tally.managed;
}

/** What an operator confirmed: every held removal, or those of some targets (by target id). */
export type RemovalConfirmation = 'all' | { readonly targets: readonly string[] };

/** How an operator confirms held removals, for log lines, reasons and plans. */
export const HOW_TO_CONFIRM =
  'lbmanager confirm-removal TARGET… (or --all), or POST /resync?confirm-removal=true with the admin token';
