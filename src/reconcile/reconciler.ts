import { chunk, planMembership, type Policy } from '../plan/membership-plan.js';
import type { RemovalConfirmation } from '../plan/removal-guard.js';
import { batchChanges, planRecordSets, type NameDesired, type RecordConflict } from '../plan/route53-plan.js';
import {
  AwsCallError,
  type MembershipProvider,
  type MembershipTarget,
  type Route53Provider,
} from '../providers/types.js';
import type { ForeignKind, RecordChange, RecordType } from '../plan/records.js';
import { TreeIndex, type TreeChange } from '../tree/tree-index.js';
import {
  targetId,
  workKey,
  type MalformedKey,
  type MemberClass,
  type Route53Target,
  type Target,
  type TreeEntry,
} from '../tree/types.js';
import { systemClock, type Clock } from '../util/clock.js';
import { canonicalIp } from '../util/ip.js';
import { withDeadline } from '../providers/call-deadline.js';
import type { Logger } from '../util/logger.js';
import type { BackoffOptions } from './backoff.js';
import { splitTarget } from '../util/targets.js';
import { applyIsolating } from './isolate.js';
import { RemovalHold, type RemovalHoldState } from './removal-hold.js';
import { WorkQueue } from './work-queue.js';

/** What the daemon knows about one target, for logs, `/state` and tests. */
export interface TargetStatus {
  readonly kind: Target['kind'];
  readonly id: string;
  activeClass: MemberClass | undefined;
  desired: string[];
  /** Members AWS had after the last reconcile (undefined before the first successful read). */
  actual: string[] | undefined;
  lastSyncAt: number | undefined;
  lastError: { code: string; message: string; at: number } | undefined;
  /** Members AWS rejected (invalid instance, target or record), not retried until their key changes or a resync. */
  rejected: string[];
  /** Extra members kept because the policy forbids removals. */
  keptByPolicy: string[];
  /** Removals waiting for the removal guard (confirmation) or for the first full pass. */
  heldRemovals: string[];
  /** Route53: families of the name that hold a set lbmanager does not own, so nothing is written there. */
  conflicts: Array<{ readonly type: RecordType; readonly with: ForeignKind }>;
}

/** Where the reconciler gets its providers. Classic ELB and ELBv2 providers take the region from the target. */
export interface Providers {
  readonly elb: MembershipProvider;
  readonly elbv2?: MembershipProvider;
  /** Route53 is global; the region of a key only picks the API endpoint. */
  readonly route53: (region: string) => Route53Provider;
}

/** Told about every reconcile, for metrics. */
export interface ReconcileObserver {
  reconciled(kind: Target['kind'], outcome: 'ok' | 'error', seconds: number, errorCode?: string): void;
}

/** Options of {@link Reconciler}. */
export interface ReconcilerOptions {
  /** The tree's prefix without a trailing slash, e.g. `/lbManager`. */
  readonly prefix: string;
  readonly providers: Providers;
  /** @default 'sync' */
  readonly policy?: Policy;
  /** Compute and log every change, apply none. @default false */
  readonly dryRun?: boolean;
  /** TTL of the record sets lbmanager writes. @default 60 */
  readonly route53Ttl?: number;
  /** Targets reconciled at once. @default 16 */
  readonly concurrency?: number;
  /** Deadline of one reconcile, after which its AWS calls are cancelled; 0 for none. @default 120000 */
  readonly reconcileTimeoutMs?: number;
  readonly logger: Logger;
  /** @default the system clock */
  readonly clock?: Clock;
  readonly backoff?: Partial<BackoffOptions>;
  readonly random?: () => number;
  /** Removals above this share of all managed members (and at least 10) are held. @default 50 */
  readonly maxRemovalPercent?: number;
  /** Removals already confirmed at start (`--confirm-removal`). @default false */
  readonly confirmRemoval?: boolean;
  readonly observer?: ReconcileObserver;
  /** Quiet time before a marked target is reconciled (bursts coalesce); 0 for at once. @default 25 */
  readonly settleMs?: number;
  /** Told after each target was applied (not in dry run): what AWS now has, and whether the tree still has keys for it. */
  readonly onApplied?: (id: string, target: Target, members: readonly string[], inTree: boolean) => void;
}

/** How much longer than a load balancer a hosted zone waits for quiet before its reconcile. */
const ROUTE53_SETTLE_SCALE = 4;

interface RejectedMember {
  readonly modRevision: bigint;
}

/**
 * Keeps AWS membership equal to the tree. It is a TreeSink: snapshots and watch events only update the view and mark
 * targets dirty; the work queue runs one reconcile per load balancer, target group or hosted zone at a time, each
 * reading the latest desired state and the actual state from AWS and applying the difference (level-triggered).
 */
export class Reconciler {
  readonly index: TreeIndex;
  private readonly queue: WorkQueue;
  private readonly known = new Map<string, Target>();
  private readonly statusById = new Map<string, TargetStatus>();
  private readonly dirtyNames = new Map<string, Set<string>>();
  private readonly rejected = new Map<string, Map<string, RejectedMember>>();
  private readonly policy: Policy;
  private readonly dryRun: boolean;
  private readonly ttl: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private snapshotSeen = false;
  /** Names seen so far by the first read, per region (load balancers) and per hosted zone. */
  private readonly earlyElbNames = new Map<string, Set<string>>();
  private readonly earlyZoneNames = new Map<string, { readonly region: string; readonly names: Set<string> }>();
  private stale = true;
  private writable = true;
  private readonly hold: RemovalHold;
  /** Targets not yet read since the first snapshot: until all are, no total of removals is meaningful. */
  private firstPass: Set<string> | undefined;
  /** Targets whose removals were held or deferred, reconciled again when that ends. */
  private readonly deferred = new Set<string>();

  constructor(private readonly options: ReconcilerOptions) {
    this.index = new TreeIndex(options.prefix);
    this.policy = options.policy ?? 'sync';
    this.dryRun = options.dryRun ?? false;
    this.ttl = options.route53Ttl ?? 60;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 16,
      process: (key) => this.reconcile(key),
      clock: this.clock,
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      // A zone's reconcile costs two calls against Route53's 5 requests per second for the whole account: wait longer
      // for a burst to end, so it becomes one change batch.
      settleScale: (key) => (key.startsWith('route53/') ? ROUTE53_SETTLE_SCALE : 1),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.random ? { random: options.random } : {}),
      onFailure: (key, error, failures, delayMs) => {
        const e = error instanceof AwsCallError ? error : undefined;
        this.logger.error('reconcile failed', {
          target: key,
          action: 'reconcile',
          errorCode: e?.code ?? 'Error',
          error: error instanceof Error ? error.message : String(error),
          failures,
          retryInMs: delayMs,
        });
      },
    });
    this.hold = new RemovalHold(
      {
        ...(options.maxRemovalPercent !== undefined ? { maxRemovalPercent: options.maxRemovalPercent } : {}),
        confirmed: options.confirmRemoval ?? false,
      },
      (id) => {
        const t = this.known.get(id);
        if (!t) return new Set<string>();
        const members = this.desiredOf(t, id).members;
        const provider = t.kind === 'route53' ? undefined : this.membershipProvider(t);
        return new Set(t.kind !== 'route53' && provider?.normalise ? provider.normalise(t, members) : members);
      },
      this.logger,
      this.clock,
    );
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
    return this.snapshotSeen && this.firstPass === undefined;
  }

  /** An operator confirmed the held removals (all of them, or some targets'): apply them now. */
  confirmRemovals(what: RemovalConfirmation = 'all'): void {
    this.hold.confirm(what);
    if (what === 'all') this.markAll(true);
    else for (const id of what.targets) this.mark(id, true);
  }

  /** Every known target's status, without copying (metrics read it on each scrape). */
  statuses(): IterableIterator<Readonly<TargetStatus>> {
    return this.statusById.values();
  }

  /** A copy of every known target's status, sorted by id. */
  status(): TargetStatus[] {
    return [...this.statusById.values()]
      .map((s) => ({
        ...s,
        desired: [...s.desired],
        rejected: [...s.rejected],
        keptByPolicy: [...s.keptByPolicy],
        heldRemovals: [...s.heldRemovals],
        conflicts: [...s.conflicts],
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Resolves when no reconcile is ready or running (targets in backoff do not count). */
  idle(): Promise<void> {
    return this.queue.onIdle();
  }

  /**
   * TreeSink: keys of a snapshot still being read are parsed while etcd serves the next page. During the first read,
   * the first pass's AWS reads start too (load balancer and hosted zone listings), so AWS answers while etcd does:
   * this process has written nothing yet, and a listing is used only while it is a few seconds old.
   */
  onSnapshotPage(entries: readonly TreeEntry[]): void {
    const parsed = this.index.parseAhead(entries);
    if (this.snapshotSeen || !this.writable) return;
    const regions = new Set<string>();
    const zones = new Set<string>();
    for (const { target: t } of parsed) {
      if (t.kind === 'elb') {
        let names = this.earlyElbNames.get(t.region);
        if (!names) this.earlyElbNames.set(t.region, (names = new Set()));
        if (!names.has(t.name)) regions.add(t.region);
        names.add(t.name);
      } else if (t.kind === 'route53') {
        let zone = this.earlyZoneNames.get(t.zoneId);
        if (!zone) this.earlyZoneNames.set(t.zoneId, (zone = { region: t.region, names: new Set() }));
        if (!zone.names.has(t.fqdn)) zones.add(t.zoneId);
        zone.names.add(t.fqdn);
      }
    }
    for (const region of regions) {
      this.options.providers.elb.prefetch?.(region, [...(this.earlyElbNames.get(region) ?? [])]);
    }
    for (const zoneId of zones) {
      const zone = this.earlyZoneNames.get(zoneId);
      if (zone) this.options.providers.route53(zone.region).prefetch?.(zoneId, [...zone.names]);
    }
  }

  /** TreeSink: a complete snapshot replaces the view. The first one (and every resync) reconciles every target. */
  onSnapshot(entries: TreeEntry[], revision: bigint, options: { full?: boolean } = {}): void {
    const update = this.index.replace(entries, revision);
    this.earlyElbNames.clear();
    this.earlyZoneNames.clear();
    this.reportMalformed(update.newMalformed);
    for (const t of this.index.targets()) this.remember(t);
    const full = options.full === true || !this.snapshotSeen;
    // An empty tree has nothing to read first: the first pass is done at once.
    if (!this.snapshotSeen && this.known.size > 0) this.firstPass = new Set(this.known.keys());
    this.snapshotSeen = true;
    this.stale = false;
    if (full) {
      this.rejected.clear();
      this.prefetchMembership();
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
      this.firstPass?.add(id);
      if (this.snapshotSeen) this.mark(id, false);
    }
  }

  private updateRunState(): void {
    if (this.snapshotSeen && !this.stale && this.writable) this.queue.resume();
    else this.queue.pause();
  }

  /** Marks every known target dirty (drift repair). `now` cuts backoff waits short (an operator asked). */
  markAll(now: boolean): void {
    this.rejected.clear();
    // A full pass repairs drift: what AWS says now is the truth, whatever lbmanager wrote a moment ago.
    this.options.providers.elb.forgetRecentWrites?.();
    this.options.providers.elbv2?.forgetRecentWrites?.();
    this.prefetchMembership();
    this.markEvery(now);
  }

  // Hosted zones first: their reads are their own, while load balancers of a region may all wait for one prefetched
  // listing, and would otherwise hold every worker while it loads.
  private markEvery(now: boolean): void {
    for (const [id, t] of this.known) if (t.kind === 'route53') this.mark(id, now);
    for (const [id, t] of this.known) if (t.kind !== 'route53') this.mark(id, now);
  }

  /** Stops taking work; waits for in-flight AWS calls at most `timeoutMs`. Never deregisters anything. */
  stop(timeoutMs: number): Promise<boolean> {
    return this.queue.stop(timeoutMs);
  }

  // A full pass reads every load balancer: let the provider read those of a region together (it decides whether that
  // pays). Not for a standby, which reads nothing.
  private prefetchMembership(): void {
    if (!this.writable) return;
    const byRegion = new Map<string, string[]>();
    for (const t of this.known.values()) {
      if (t.kind !== 'elb') continue;
      const names = byRegion.get(t.region) ?? [];
      byRegion.set(t.region, names);
      names.push(t.name);
    }
    for (const [region, names] of byRegion) this.options.providers.elb.prefetch?.(region, names);
  }

  private remember(t: Target): void {
    const id = targetId(t);
    if (!this.known.has(id)) this.known.set(id, t);
  }

  private mark(id: string, now: boolean): void {
    const t = this.known.get(id);
    if (!t) return;
    this.hold.invalidate(id);
    const key = workKey(t);
    if (t.kind === 'route53') {
      let names = this.dirtyNames.get(key);
      if (!names) this.dirtyNames.set(key, (names = new Set()));
      names.add(id);
    }
    if (now) this.queue.addNow(key);
    else this.queue.add(key);
  }

  private statusOf(t: Target, id: string): TargetStatus {
    let s = this.statusById.get(id);
    if (!s) {
      s = {
        kind: t.kind,
        id,
        activeClass: undefined,
        desired: [],
        actual: undefined,
        lastSyncAt: undefined,
        lastError: undefined,
        rejected: [],
        keptByPolicy: [],
        heldRemovals: [],
        conflicts: [],
      };
      this.statusById.set(id, s);
    }
    return s;
  }

  private reportMalformed(keys: readonly MalformedKey[]): void {
    for (const m of keys) this.logger.warn('malformed key ignored', { key: m.key, reason: m.reason });
  }

  private async reconcile(key: string): Promise<void> {
    const kind: Target['kind'] = key.startsWith('route53/') ? 'route53' : key.startsWith('elbv2/') ? 'elbv2' : 'elb';
    const started = this.clock.now();
    try {
      await withDeadline(this.options.reconcileTimeoutMs ?? 120_000, `the reconcile of ${key}`, () =>
        kind === 'route53' ? this.reconcileZone(key) : this.reconcileMembership(key),
      );
      this.options.observer?.reconciled(kind, 'ok', (this.clock.now() - started) / 1000);
    } catch (error) {
      const code = error instanceof AwsCallError ? error.code : 'Error';
      this.options.observer?.reconciled(kind, 'error', (this.clock.now() - started) / 1000, code);
      throw error;
    }
  }

  /** Desired members minus those AWS rejected, unless their key was written again since. */
  private desiredOf(
    t: Target,
    id: string,
  ): { members: string[]; activeClass: MemberClass | undefined; skipped: string[] } {
    const d = this.index.desired(t, id);
    const rejected = this.rejected.get(id);
    if (!rejected || rejected.size === 0) return { members: [...d.members], activeClass: d.activeClass, skipped: [] };
    const canonical = this.canonicalOf(t);
    const revOf = this.revisionsOf(id, canonical);
    const members: string[] = [];
    const skipped: string[] = [];
    for (const m of d.members) {
      const c = canonical(m);
      const r = rejected.get(c);
      if (r && r.modRevision === revOf.get(c)) skipped.push(m);
      else {
        rejected.delete(c);
        members.push(m);
      }
    }
    return { members, activeClass: d.activeClass, skipped };
  }

  // Rejections are recorded in the form AWS was sent (`i-1`, where the key says `i-1:80` in a group on port 80) and
  // looked up in the same form, with the newest revision of any key that names the member.
  private canonicalOf(t: Target): (member: string) => string {
    if (t.kind === 'route53') return (m) => m;
    const provider = this.membershipProvider(t);
    return (m) => (provider?.normalise ? (provider.normalise(t, [m])[0] ?? m) : m);
  }

  private revisionsOf(id: string, canonical: (member: string) => string): Map<string, bigint> {
    const revOf = new Map<string, bigint>();
    for (const e of this.index.entriesOf(id)) {
      const c = canonical(e.member);
      const r = revOf.get(c);
      if (r === undefined || e.modRevision > r) revOf.set(c, e.modRevision);
    }
    return revOf;
  }

  private reject(id: string, members: readonly string[]): void {
    if (members.length === 0) return;
    const t = this.known.get(id);
    if (!t) return;
    let r = this.rejected.get(id);
    if (!r) this.rejected.set(id, (r = new Map<string, RejectedMember>()));
    const canonical = this.canonicalOf(t);
    const revOf = this.revisionsOf(id, canonical);
    for (const m of members) r.set(canonical(m), { modRevision: revOf.get(canonical(m)) ?? 0n });
  }

  /** Whether this target may remove members now; if not, it is reconciled again when that changes. */
  private mayRemove(id: string): boolean {
    if (this.firstPass !== undefined && this.firstPass.size > 0) {
      this.deferred.add(id);
      return false;
    }
    if (this.hold.allowRemovals(id)) return true;
    this.deferred.add(id);
    return false;
  }

  /** Called after every reconcile attempt: ends the first pass when every target has had one. */
  private attempted(ids: Iterable<string>): void {
    if (this.firstPass === undefined) return;
    for (const id of ids) this.firstPass.delete(id);
    if (this.firstPass.size > 0) return;
    this.firstPass = undefined;
    const again = [...this.deferred];
    this.deferred.clear();
    for (const id of again) this.mark(id, false);
  }

  private forgetIfGone(id: string, actual: readonly string[]): void {
    if (!this.index.target(id) && actual.length === 0) {
      this.hold.forget(id);
      this.known.delete(id);
      this.statusById.delete(id);
      this.rejected.delete(id);
    }
  }

  private recordError(status: TargetStatus, error: unknown): void {
    status.lastError = {
      code: error instanceof AwsCallError ? error.code : 'Error',
      message: error instanceof Error ? error.message : String(error),
      at: this.clock.now(),
    };
  }

  private membershipProvider(t: MembershipTarget): MembershipProvider | undefined {
    return t.kind === 'elb' ? this.options.providers.elb : this.options.providers.elbv2;
  }

  private async reconcileMembership(id: string): Promise<void> {
    const t = this.known.get(id);
    if (!t || t.kind === 'route53') return;
    const provider = this.membershipProvider(t);
    const status = this.statusOf(t, id);
    if (!provider) {
      this.recordError(status, new Error(`${t.kind} targets are not supported by this build`));
      return;
    }
    const desired = this.desiredOf(t, id);
    status.activeClass = desired.activeClass;
    status.desired = desired.members;
    try {
      const actual = await provider.readMembers(t);
      const wanted = provider.normalise ? provider.normalise(t, desired.members) : desired.members;
      status.desired = wanted;
      this.hold.observe(id, actual);
      let plan = planMembership(wanted, actual, this.policy);
      status.keptByPolicy = plan.keptByPolicy;
      status.heldRemovals = [];
      if (plan.deregister.length > 0 && !this.dryRun && !this.mayRemove(id)) {
        status.heldRemovals = plan.deregister;
        plan = { ...plan, deregister: [] };
      }
      const after = new Set(actual);
      if (this.dryRun) {
        this.logChange(id, 'dry-run', plan.register, plan.deregister);
      } else {
        let added: string[];
        let removed: string[] = [];
        try {
          added = await this.applyMembers(id, t, provider, 'register', plan.register);
        } catch (error) {
          // A full group never frees room if its removals wait for the registration that fails: take them first.
          if (!isTargetQuota(error) || plan.deregister.length === 0) throw error;
          this.logger.warn('target quota reached: removing members before adding', {
            target: id,
            action: 'deregister-first',
            errorCode: error.code,
            removing: plan.deregister.length,
          });
          removed = await this.applyMembers(id, t, provider, 'deregister', plan.deregister);
          for (const m of removed) after.delete(m);
          plan = { ...plan, deregister: [] };
          added = await this.applyMembers(id, t, provider, 'register', plan.register);
        }
        for (const m of added) after.add(m);
        const rest = await this.applyMembers(id, t, provider, 'deregister', plan.deregister);
        for (const m of rest) after.delete(m);
        removed = [...removed, ...rest];
        this.logChange(id, 'applied', added, removed);
      }
      status.actual = [...after].sort();
      this.hold.observe(id, status.actual);
      status.rejected = [...(this.rejected.get(id)?.keys() ?? [])].sort();
      status.lastSyncAt = this.clock.now();
      status.lastError = undefined;
      if (!this.dryRun) {
        this.options.onApplied?.(id, t, status.actual, this.index.target(id) !== undefined);
        this.forgetIfGone(id, status.actual);
      }
    } catch (error) {
      this.recordError(status, error);
      throw error;
    } finally {
      this.attempted([id]);
    }
  }

  private async applyMembers(
    id: string,
    t: MembershipTarget,
    provider: MembershipProvider,
    action: 'register' | 'deregister',
    members: readonly string[],
  ): Promise<string[]> {
    const applied: string[] = [];
    for (const part of chunk(members)) {
      const result = await applyIsolating(
        part,
        // AWS names ELBv2 offenders by id, without the port.
        (m) => (t.kind === 'elbv2' ? splitTarget(m).id : m),
        (batch) => provider[action](t, batch),
      );
      applied.push(...result.applied);
      if (result.rejected.length > 0) {
        this.reject(
          id,
          result.rejected.map((r) => r.item),
        );
        for (const r of result.rejected) {
          this.logger.warn('member rejected by AWS, not retried until its key changes or a resync', {
            target: id,
            action,
            member: r.item,
            errorCode: r.error.code,
            error: r.error.message,
          });
        }
      }
    }
    return applied;
  }

  private async reconcileZone(key: string): Promise<void> {
    const ids = [...(this.dirtyNames.get(key) ?? [])];
    this.dirtyNames.delete(key);
    const targets = ids
      .map((id) => ({ id, t: this.known.get(id) }))
      .filter((x): x is { id: string; t: Route53Target } => x.t?.kind === 'route53');
    const first = targets[0];
    if (!first) return;
    const zoneId = first.t.zoneId;
    const provider = this.options.providers.route53(first.t.region);
    const desiredByName: NameDesired[] = [];
    const idByName = new Map<string, string>();
    for (const { id, t } of targets) {
      const d = this.desiredOf(t, id);
      const s = this.statusOf(t, id);
      s.activeClass = d.activeClass;
      s.desired = d.members;
      desiredByName.push({ fqdn: t.fqdn, members: d.members });
      idByName.set(t.fqdn, id);
    }
    try {
      const actual = await provider.readRecordSets(
        zoneId,
        targets.map((x) => x.t.fqdn),
      );
      const valuesAfter = new Map<string, Set<string>>();
      for (const s of actual.owned) {
        let v = valuesAfter.get(s.name);
        if (!v) valuesAfter.set(s.name, (v = new Set()));
        for (const value of s.values) v.add(`${s.type}:${value}`);
      }
      const seenOf = (fqdn: string): string[] => [...(valuesAfter.get(fqdn) ?? [])].map((v) => canonicalValue(v));
      for (const { id, t } of targets) {
        this.hold.observe(id, seenOf(t.fqdn));
        this.statusOf(t, id).heldRemovals = [];
      }
      const plan = planRecordSets(desiredByName, actual, this.ttl, this.policy);
      this.reportConflicts(targets, plan.conflicts);
      let changes = plan.changes;
      if (this.policy === 'sync' && !this.dryRun) {
        // Each name that would lose values asks the guard on its own: a name an operator confirmed goes through
        // while the zone's other removals stay held.
        const held = new Set<string>();
        for (const d of desiredByName) {
          const one = [d];
          const full = planRecordSets(one, actual, this.ttl, 'sync').changes;
          const addOnly = planRecordSets(one, actual, this.ttl, 'upsert-only').changes;
          const id = idByName.get(d.fqdn);
          if (id && JSON.stringify(addOnly) !== JSON.stringify(full) && !this.mayRemove(id)) held.add(d.fqdn);
        }
        if (held.size > 0) {
          changes = [
            ...planRecordSets(
              desiredByName.filter((d) => !held.has(d.fqdn)),
              actual,
              this.ttl,
              'sync',
            ).changes,
            ...planRecordSets(
              desiredByName.filter((d) => held.has(d.fqdn)),
              actual,
              this.ttl,
              'upsert-only',
            ).changes,
          ];
          for (const { id, t } of targets) {
            if (!held.has(t.fqdn)) continue;
            const want = new Set(desiredByName.find((d) => d.fqdn === t.fqdn)?.members ?? []);
            this.statusOf(t, id).heldRemovals = seenOf(t.fqdn).filter((m) => !want.has(m));
          }
        }
      }
      if (this.dryRun) {
        for (const c of changes) this.logRecordChange(idByName, c, 'dry-run');
      } else {
        for (const batch of batchChanges(changes)) {
          const result = await applyIsolating(
            batch,
            (c) => `${c.set.name}/${c.set.type}`,
            (part) => provider.changeRecordSets(zoneId, part),
            isStaleRoute53Read,
          );
          for (const c of result.applied) {
            this.logRecordChange(idByName, c, 'applied');
            const v = valuesAfter.get(c.set.name) ?? new Set<string>();
            valuesAfter.set(c.set.name, v);
            for (const old of [...v]) if (old.startsWith(`${c.set.type}:`)) v.delete(old);
            if (c.action === 'UPSERT') for (const value of c.set.values) v.add(`${c.set.type}:${value}`);
          }
          for (const r of result.rejected) {
            const id = idByName.get(r.item.set.name);
            if (id) this.reject(id, r.item.set.values);
            this.logger.warn('record change rejected by AWS, not retried until its keys change or a resync', {
              target: id ?? r.item.set.name,
              action: r.item.action,
              type: r.item.set.type,
              members: r.item.set.values,
              errorCode: r.error.code,
              error: r.error.message,
            });
          }
        }
      }
      const now = this.clock.now();
      for (const { id, t } of targets) {
        const s = this.statusOf(t, id);
        s.actual = seenOf(t.fqdn).sort();
        this.hold.observe(id, s.actual);
        s.rejected = [...(this.rejected.get(id)?.keys() ?? [])].sort();
        s.lastSyncAt = now;
        s.lastError = undefined;
        if (!this.dryRun) {
          this.options.onApplied?.(id, t, s.actual, this.index.target(id) !== undefined);
          this.forgetIfGone(id, s.actual);
        }
      }
    } catch (error) {
      // The names stay dirty: the retry after backoff reconciles them with whatever was marked meanwhile.
      let names = this.dirtyNames.get(key);
      if (!names) this.dirtyNames.set(key, (names = new Set()));
      for (const { id, t } of targets) {
        names.add(id);
        this.recordError(this.statusOf(t, id), error);
      }
      throw error;
    } finally {
      this.attempted(targets.map((x) => x.id));
    }
  }

  // A conflict is logged when it appears, not on every pass; /state and the metric show it as long as it lasts.
  private reportConflicts(
    targets: ReadonlyArray<{ readonly id: string; readonly t: Route53Target }>,
    conflicts: readonly RecordConflict[],
  ): void {
    for (const { id, t } of targets) {
      const mine = conflicts.filter((c) => c.fqdn === t.fqdn).map((c) => ({ type: c.type, with: c.with }));
      const status = this.statusOf(t, id);
      for (const c of mine) {
        if (status.conflicts.some((o) => o.type === c.type && o.with === c.with)) continue;
        this.logger.warn('record set not written: a set lbmanager does not own is in the way', {
          target: id,
          action: 'conflict',
          type: c.type,
          conflictsWith: c.with,
          howToResolve: CONFLICT_HELP[c.with],
        });
      }
      status.conflicts = mine;
    }
  }

  private logChange(
    id: string,
    action: 'applied' | 'dry-run',
    added: readonly string[],
    removed: readonly string[],
  ): void {
    if (added.length === 0 && removed.length === 0) return;
    this.logger.info(action === 'applied' ? 'membership changed' : 'membership change (dry run, not applied)', {
      target: id,
      action,
      added,
      removed,
    });
  }

  private logRecordChange(idByName: Map<string, string>, c: RecordChange, action: 'applied' | 'dry-run'): void {
    this.logger.info(action === 'applied' ? 'record set changed' : 'record set change (dry run, not applied)', {
      target: idByName.get(c.set.name) ?? c.set.name,
      action: `${c.action} ${c.set.type}`.toLowerCase(),
      members: c.set.values,
      ttl: c.set.ttl,
      ...(action === 'dry-run' ? { dryRun: true } : {}),
    });
  }
}

const CONFLICT_HELP: Record<ForeignKind, string> = {
  alias: 'delete the alias set, or remove the keys of this family',
  'routing-policy': 'delete the routing-policy sets of this type, or remove the keys of this family',
  cname: 'delete the CNAME, or remove the keys of this name',
};

/** `A:192.0.2.1` -> `192.0.2.1`, IPv6 in canonical form (Route53 may return other spellings). */
function canonicalValue(typed: string): string {
  const v = typed.slice(typed.indexOf(':') + 1);
  return canonicalIp(v)?.address ?? v;
}

// AWS's target quotas (targets per group, registrations per target): room is made by the group's own removals.
function isTargetQuota(error: unknown): error is AwsCallError {
  return (
    error instanceof AwsCallError &&
    [
      'TooManyTargets',
      'TooManyTargetsException',
      'TooManyRegistrationsForTarget',
      'TooManyRegistrationsForTargetException',
    ].includes(error.code)
  );
}

// A DELETE or CREATE that fails because the set is not what we read means our read is stale (someone else changed
// the zone): that is not a bad member, so the whole reconcile is retried with a fresh read.
function isStaleRoute53Read(error: AwsCallError): boolean {
  return /values provided do not match|but it was not found|but it already exists/.test(error.message);
}
