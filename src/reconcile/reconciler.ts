import type { Policy } from '../plan/membership-plan.js';
import type { RemovalConfirmation } from '../plan/removal-guard.js';
import { withDeadline } from '../providers/call-deadline.js';
import { AwsCallError } from '../providers/types.js';
import { TreeIndex, type TreeChange } from '../tree/tree-index.js';
import { targetId, type MalformedKey, type Target, type TreeEntry } from '../tree/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BackoffOptions } from '../util/backoff.js';
import { EarlyReads } from './early-reads.js';
import { FirstPass } from './first-pass.js';
import { syncGroup } from './group-sync.js';
import { membershipProviderOf, type Providers } from './providers.js';
import { Rejections } from './rejections.js';
import { RemovalHold, type RemovalHoldState } from './removal-hold.js';
import type { SyncContext } from './sync-context.js';
import { TargetStatuses, type TargetStatus } from './target-status.js';
import { WorkItems } from './work-items.js';
import { WorkQueue } from './work-queue.js';
import { syncZone, type ZoneName } from './zone-sync.js';

export type { Providers } from './providers.js';
export type { TargetStatus } from './target-status.js';

/** Told about every reconcile, for metrics. */
export interface ReconcileObserver {
  reconciled(kind: Target['kind'], outcome: 'ok' | 'error', seconds: number, errorCode?: string): void;
}

/** Options of {@link Reconciler}; the daemon passes every setting from its flags (`config/daemon-flags.ts`). */
export interface ReconcilerOptions {
  /** The tree's prefix without a trailing slash, e.g. `/lbManager`. */
  readonly prefix: string;
  readonly providers: Providers;
  readonly policy: Policy;
  /** Compute and log every change, apply none. */
  readonly dryRun: boolean;
  /** TTL of the record sets lbmanager writes. */
  readonly route53Ttl: number;
  /** Targets reconciled at once. */
  readonly concurrency: number;
  /** Deadline of one reconcile, after which its AWS calls are cancelled; 0 for none. */
  readonly reconcileTimeoutMs: number;
  /** Removals above this share of all managed members (and at least the guard's minimum) are held. */
  readonly maxRemovalPercent: number;
  /** Removals already confirmed at start (`--confirm-removal`). */
  readonly confirmRemoval: boolean;
  readonly logger: Logger;
  /** @default the system clock */
  readonly clock?: Clock;
  readonly backoff?: Partial<BackoffOptions>;
  readonly random?: () => number;
  readonly observer?: ReconcileObserver;
  /** Quiet time before a marked target is reconciled (bursts coalesce); 0 for at once. @default 25 */
  readonly settleMs?: number;
  /** Told after each target was applied (not in dry run): what AWS now has, and whether the tree still has keys for it. */
  readonly onApplied?: (id: string, target: Target, members: readonly string[], inTree: boolean) => void;
}

/** How much longer than a load balancer a hosted zone waits for quiet before its reconcile. */
const ROUTE53_SETTLE_SCALE = 4;

/**
 * Keeps AWS membership equal to the tree. It is a TreeSink: snapshots and watch events only update the view and mark
 * targets dirty; the work queue runs one reconcile per load balancer, target group or hosted zone at a time, each
 * reading the latest desired state and the actual state from AWS and applying the difference (level-triggered). The
 * reconciles themselves are `group-sync.ts` and `zone-sync.ts`.
 */
export class Reconciler {
  readonly index: TreeIndex;
  private readonly queue: WorkQueue;
  private readonly known = new Map<string, Target>();
  private readonly work = new WorkItems();
  private readonly statusBoard = new TargetStatuses();
  private readonly rejections: Rejections;
  private readonly hold: RemovalHold;
  private readonly firstPass = new FirstPass();
  private readonly early: EarlyReads;
  private readonly context: SyncContext;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private snapshotSeen = false;
  private stale = true;
  private writable = true;

  constructor(private readonly options: ReconcilerOptions) {
    this.index = new TreeIndex(options.prefix);
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.early = new EarlyReads(options.providers);
    this.rejections = new Rejections(this.index, (t) => this.canonicalOf(t));
    this.queue = new WorkQueue({
      concurrency: options.concurrency,
      process: (key) => this.reconcile(key),
      clock: this.clock,
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      // A zone's reconcile costs requests against Route53's bucket for the whole account: wait longer for a burst to
      // end, so it becomes one change batch.
      settleScale: (key) => (this.work.isZone(key) ? ROUTE53_SETTLE_SCALE : 1),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
      onFailure: (key, error, failures, delayMs) => {
        this.logger.error('reconcile failed', {
          target: key,
          action: 'reconcile',
          errorCode: error instanceof AwsCallError ? error.code : 'Error',
          error: error instanceof Error ? error.message : String(error),
          failures,
          retryInMs: delayMs,
        });
      },
    });
    this.hold = new RemovalHold(
      { maxRemovalPercent: options.maxRemovalPercent, confirmed: options.confirmRemoval },
      (id) => this.guardedDesired(id),
      this.logger,
      this.clock,
    );
    this.context = {
      index: this.index,
      statuses: this.statusBoard,
      rejections: this.rejections,
      hold: this.hold,
      policy: options.policy,
      dryRun: options.dryRun,
      route53Ttl: options.route53Ttl,
      logger: this.logger,
      clock: this.clock,
      mayRemove: (id) => this.mayRemove(id),
      attempted: (ids) => {
        for (const id of this.firstPass.attempted(ids)) this.mark(id, false);
      },
      applied: (id, t, members) => this.applied(id, t, members),
    };
    // No AWS call, let alone a write, before the first complete snapshot has been read.
    this.queue.pause();
  }

  /** True once a complete snapshot has been read and the view is not stale. */
  get synced(): boolean {
    return this.snapshotSeen && !this.stale;
  }

  /** Keys waiting plus running. */
  get queueDepth(): number {
    return this.queue.depth + this.queue.inFlight;
  }

  /** The removal guard's state. */
  get removalHold(): RemovalHoldState {
    return this.hold.state;
  }

  /** True once every target known at the first snapshot has been reconciled once (successfully or not). */
  get firstPassDone(): boolean {
    return this.snapshotSeen && this.firstPass.over;
  }

  /** An operator confirmed the held removals (all of them, or some targets'): apply them now. */
  confirmRemovals(what: RemovalConfirmation = 'all'): void {
    this.hold.confirm(what);
    if (what === 'all') this.markAll(true);
    else for (const id of what.targets) this.mark(id, true);
  }

  /** Every known target's status, without copying (metrics read it on each scrape). */
  statuses(): IterableIterator<Readonly<TargetStatus>> {
    return this.statusBoard.values();
  }

  /** A copy of every known target's status, sorted by id. */
  status(): TargetStatus[] {
    return this.statusBoard.snapshot();
  }

  /** Resolves when no reconcile is ready or running (targets in backoff do not count). */
  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  /**
   * TreeSink: keys of a snapshot still being read are parsed while etcd serves the next page. During the first read,
   * the first pass's AWS reads start too, so AWS answers while etcd does: this process has written nothing yet, and
   * a listing is used only while it is a few seconds old.
   */
  onSnapshotPage(entries: readonly TreeEntry[]): void {
    const parsed = this.index.parseAhead(entries);
    if (this.snapshotSeen || !this.writable) return;
    this.early.page(parsed.map((p) => p.target));
  }

  /** TreeSink: a complete snapshot replaces the view. The first one (and every resync) reconciles every target. */
  onSnapshot(entries: TreeEntry[], revision: bigint, options: { full?: boolean } = {}): void {
    const update = this.index.replace(entries, revision);
    this.early.snapshotDone();
    this.reportMalformed(update.newMalformed);
    for (const t of this.index.targets()) this.remember(t);
    const full = options.full === true || !this.snapshotSeen;
    if (!this.snapshotSeen) this.firstPass.begin(this.known.keys());
    this.snapshotSeen = true;
    this.stale = false;
    if (full) {
      this.rejections.clear();
      this.fullPassReads();
      this.markEvery(false);
    } else {
      for (const id of update.changedTargets) this.mark(id, false);
    }
    this.logger.info('tree snapshot loaded', {
      revision: revision.toString(),
      keys: entries.length,
      targets: this.known.size,
      malformed: this.index.malformed().length,
      changedTargets: full ? this.known.size : update.changedTargets.size,
    });
    this.updateRunState();
  }

  /** TreeSink: watch events mark the targets they touch. */
  onEvents(events: readonly TreeChange[], revision: bigint): void {
    const update = this.index.apply(events, revision);
    this.reportMalformed(update.newMalformed);
    for (const id of update.changedTargets) {
      const t = this.index.target(id);
      if (t) this.remember(t);
      this.mark(id, false);
    }
  }

  /** TreeSink: the view may be stale (watch lost); stop starting reconciles until the next snapshot. */
  onStale(reason: string): void {
    this.stale = true;
    this.updateRunState();
    this.logger.warn('tree view is stale, pausing reconciles until it is read again', { reason });
  }

  /**
   * Whether this replica may write (the leader, or election off). A standby keeps its view warm but reconciles
   * nothing; on becoming leader it reconciles every target.
   */
  setWritable(writable: boolean): void {
    if (writable === this.writable) return;
    this.writable = writable;
    if (writable) this.markAll(false);
    this.updateRunState();
  }

  /** Targets known from elsewhere (the state record): reconciled like the others, to empty when they have no keys. */
  adopt(targets: ReadonlyArray<{ readonly id: string; readonly target: Target }>): void {
    for (const { id, target } of targets) {
      if (this.known.has(id)) continue;
      this.known.set(id, target);
      this.firstPass.join(id);
      if (this.snapshotSeen) this.mark(id, false);
    }
  }

  /** Marks every known target dirty (drift repair). `now` cuts backoff waits short (an operator asked). */
  markAll(now: boolean): void {
    this.rejections.clear();
    // A full pass repairs drift: what AWS says now is the truth, whatever lbmanager wrote a moment ago.
    this.options.providers.elb.forgetRecentWrites?.();
    this.options.providers.elbv2?.forgetRecentWrites?.();
    this.fullPassReads();
    this.markEvery(now);
  }

  /** Stops taking work; waits for in-flight AWS calls at most `timeoutMs`. Never deregisters anything. */
  stop(timeoutMs: number): Promise<boolean> {
    return this.queue.stop(timeoutMs);
  }

  private updateRunState(): void {
    if (this.snapshotSeen && !this.stale && this.writable) this.queue.resume();
    else this.queue.pause();
  }

  // Not for a standby, which reads nothing.
  private fullPassReads(): void {
    if (this.writable) this.early.fullPass(this.known.values());
  }

  // Hosted zones first: their reads are their own, while load balancers of a region may all wait for one prefetched
  // listing, and would otherwise hold every worker while it loads.
  private markEvery(now: boolean): void {
    for (const [id, t] of this.known) if (t.kind === 'route53') this.mark(id, now);
    for (const [id, t] of this.known) if (t.kind !== 'route53') this.mark(id, now);
  }

  private remember(t: Target): void {
    const id = targetId(t);
    if (!this.known.has(id)) this.known.set(id, t);
  }

  private mark(id: string, now: boolean): void {
    const t = this.known.get(id);
    if (!t) return;
    this.hold.invalidate(id);
    const key = this.work.mark(id, t);
    if (now) this.queue.addNow(key);
    else this.queue.add(key);
  }

  private reportMalformed(keys: readonly MalformedKey[]): void {
    for (const m of keys) this.logger.warn('malformed key ignored', { key: m.key, reason: m.reason });
  }

  private async reconcile(key: string): Promise<void> {
    const item = this.work.get(key);
    if (!item) return;
    const kind: Target['kind'] = item.kind === 'zone' ? 'route53' : (this.known.get(item.id)?.kind ?? 'elb');
    const started = this.clock.now();
    try {
      await withDeadline(this.options.reconcileTimeoutMs, `the reconcile of ${key}`, () =>
        item.kind === 'zone' ? this.reconcileZone(key, item.zoneId) : this.reconcileGroup(item.id),
      );
      this.options.observer?.reconciled(kind, 'ok', (this.clock.now() - started) / 1000);
    } catch (error) {
      const code = error instanceof AwsCallError ? error.code : 'Error';
      this.options.observer?.reconciled(kind, 'error', (this.clock.now() - started) / 1000, code);
      throw error;
    }
  }

  private async reconcileGroup(id: string): Promise<void> {
    const t = this.known.get(id);
    if (!t || t.kind === 'route53') return;
    const provider = membershipProviderOf(this.options.providers, t);
    if (!provider) {
      this.statusBoard.failed(t, id, new Error(`${t.kind} targets are not supported by this build`), this.clock.now());
      return;
    }
    await syncGroup(this.context, provider, id, t);
  }

  private reconcileZone(key: string, zoneId: string): Promise<void> {
    return this.work.drainZone(key, async (ids) => {
      const names = ids
        .map((id) => ({ id, t: this.known.get(id) }))
        .filter((x): x is ZoneName => x.t?.kind === 'route53');
      const first = names[0];
      if (first) await syncZone(this.context, this.options.providers.route53(first.t.region), zoneId, names);
    });
  }

  /** Whether this target may remove members now; if not, it is reconciled again when that changes. */
  private mayRemove(id: string): boolean {
    if (this.firstPass.holds(id)) return false;
    if (this.hold.allowRemovals(id)) return true;
    this.firstPass.defer(id);
    return false;
  }

  private applied(id: string, t: Target, members: readonly string[]): void {
    const inTree = this.index.target(id) !== undefined;
    this.options.onApplied?.(id, t, members, inTree);
    if (inTree || members.length > 0) return;
    // Gone from the tree and from AWS: forgotten.
    this.hold.forget(id);
    this.known.delete(id);
    this.statusBoard.forget(id);
    this.rejections.forget(id);
    this.work.forgetGroup(t);
  }

  // What the guard compares with what AWS has: the desired members in AWS's form, without rejected members.
  private guardedDesired(id: string): ReadonlySet<string> {
    const t = this.known.get(id);
    if (!t) return new Set();
    const { members } = this.rejections.filter(t, id, this.index.desired(t, id).members);
    const provider = t.kind === 'route53' ? undefined : membershipProviderOf(this.options.providers, t);
    return new Set(t.kind !== 'route53' && provider?.normalise ? provider.normalise(t, members) : members);
  }

  // Members are sent to AWS (and rejected by it) in the provider's form (`i-1`, where a key says `i-1:80` in a group
  // on port 80).
  private canonicalOf(t: Target): (member: string) => string {
    if (t.kind === 'route53') return (m) => m;
    const provider = membershipProviderOf(this.options.providers, t);
    return (m) => (provider?.normalise ? (provider.normalise(t, [m])[0] ?? m) : m);
  }
}
