import {
  DEFAULT_REMOVAL_GUARD,
  removalsExceedLimit,
  tallyRemovals,
  HOW_TO_CONFIRM,
  type RemovalConfirmation,
  type RemovalGuardOptions,
  type RemovalTally,
} from '../plan/removal-guard.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** What operators see of the removal guard (`/state`, `/readyz`, metrics). */
export interface RemovalHoldState {
  /** Removals are held and wait for confirmation. */
  readonly held: boolean;
  readonly since: number | undefined;
  readonly pending: number;
  readonly managed: number;
  /** An operator confirmed the current removals of every target. */
  readonly confirmed: boolean;
  /** Targets whose current removals an operator confirmed one by one. */
  readonly confirmedTargets: readonly string[];
  readonly reason: string | undefined;
}

/**
 * Holds removals that look like an accident. It remembers the members last seen in AWS for every target and, whenever
 * a reconcile wants to remove members, tallies the removals the tree implies now over all targets. Above the limit,
 * removals are held until an operator confirms; the confirmation lasts until the removals are back under the limit,
 * so a later accident is caught again.
 */
export class RemovalHold {
  private readonly lastSeen = new Map<string, ReadonlySet<string>>();
  /** Each target's share of the tally, and the targets whose share must be computed again. */
  private readonly shares = new Map<string, RemovalTally>();
  private readonly stale = new Set<string>();
  private totals: RemovalTally = { managed: 0, pending: 0 };
  private readonly options: RemovalGuardOptions;
  private confirmed: boolean;
  /** Targets confirmed one by one; each keeps its confirmation until its removals are done. */
  private readonly confirmedTargets = new Set<string>();
  private heldSince: number | undefined;
  private tally: RemovalTally = { managed: 0, pending: 0 };

  constructor(
    options: Partial<RemovalGuardOptions> & { confirmed?: boolean },
    private readonly desiredOf: (id: string) => ReadonlySet<string>,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.options = { ...DEFAULT_REMOVAL_GUARD, ...options };
    this.confirmed = options.confirmed ?? false;
  }

  /** Records the members a target was seen to have in AWS (after a read or an apply). */
  observe(id: string, members: Iterable<string>): void {
    const seen = new Set(members);
    this.lastSeen.set(id, seen);
    this.stale.add(id);
    // A confirmed target whose removals are done is guarded again.
    if (this.confirmedTargets.has(id) && tallyRemovals([{ lastSeen: seen, desired: this.desiredOf(id) }]).pending === 0)
      this.confirmedTargets.delete(id);
  }

  /** The desired members of a target may have changed (its keys did). */
  invalidate(id: string): void {
    if (this.lastSeen.has(id)) this.stale.add(id);
  }

  /** Forgets a target that is gone from the tree and from AWS. */
  forget(id: string): void {
    this.lastSeen.delete(id);
    this.stale.delete(id);
    this.setShare(id, undefined);
  }

  private setShare(id: string, share: RemovalTally | undefined): void {
    const old = this.shares.get(id);
    this.totals = {
      managed: this.totals.managed - (old?.managed ?? 0) + (share?.managed ?? 0),
      pending: this.totals.pending - (old?.pending ?? 0) + (share?.pending ?? 0),
    };
    if (share) this.shares.set(id, share);
    else this.shares.delete(id);
  }

  /**
   * Decides whether removals may be applied now; logs loudly when a hold starts. The tally is kept per target and
   * only the targets observed or changed since the last decision are counted again: a reconcile costs the same with
   * 10 targets or 10,000.
   */
  allowRemovals(id: string): boolean {
    for (const stale of this.stale) {
      const lastSeen = this.lastSeen.get(stale);
      const share = lastSeen ? tallyRemovals([{ lastSeen, desired: this.desiredOf(stale) }]) : undefined;
      this.setShare(stale, share);
    }
    this.stale.clear();
    this.tally = this.totals;
    const exceeds = removalsExceedLimit(this.tally, this.options);
    if (!exceeds) {
      if (this.heldSince !== undefined) this.logger.warn('removal hold released', { ...this.tally });
      this.heldSince = undefined;
      // The confirmed drain is done (or the tree came back): the next accident is guarded again.
      this.confirmed = false;
      this.confirmedTargets.clear();
      return true;
    }
    if (this.heldSince === undefined) {
      this.heldSince = this.clock.now();
      this.logger.error('removals held: the tree would remove too many members at once', {
        action: 'hold-removals',
        pendingRemovals: this.tally.pending,
        managedMembers: this.tally.managed,
        maxRemovalPercent: this.options.maxRemovalPercent,
        howToConfirm: HOW_TO_CONFIRM,
      });
    }
    return this.confirmed || this.confirmedTargets.has(id);
  }

  /** An operator confirmed: the current removals (of every target, or of those named) go through. */
  confirm(what: RemovalConfirmation = 'all'): void {
    if (what === 'all') this.confirmed = true;
    else for (const id of what.targets) this.confirmedTargets.add(id);
    this.logger.warn('removals confirmed by an operator', {
      action: 'confirm-removals',
      targets: what === 'all' ? 'all' : what.targets,
      ...this.tally,
    });
  }

  /** The guard's state for operators. */
  get state(): RemovalHoldState {
    const held = this.heldSince !== undefined && !this.confirmed;
    return {
      held,
      since: this.heldSince,
      pending: this.tally.pending,
      managed: this.tally.managed,
      confirmed: this.confirmed,
      confirmedTargets: [...this.confirmedTargets].sort(),
      reason: held
        ? `removals held: ${this.tally.pending} of ${this.tally.managed} managed members would be removed ` +
          `(limit ${this.options.maxRemovalPercent}%); confirm with ${HOW_TO_CONFIRM}`
        : undefined,
    };
  }
}
