import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from '../util/backoff.js';

/** Keys processed at once unless told otherwise. */
export const DEFAULT_CONCURRENCY = 16;

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions<K extends string> {
  /** Reconciles one key; a rejection schedules a retry with backoff. */
  readonly process: (key: K) => Promise<void>;
  /** Keys processed at once. @default DEFAULT_CONCURRENCY */
  readonly concurrency?: number;
  /** @default {@link DEFAULT_BACKOFF} */
  readonly backoff?: Partial<BackoffOptions>;
  /** @default the system clock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
  /**
   * A marked key runs once it has been quiet this long, so a burst of events for one target is one reconcile.
   * 0 runs at once (in a microtask). @default 25
   */
  readonly settleMs?: number;
  /**
   * The quiet time once a key has been marked again while settling or running: a burst is on, and the gaps between
   * its writes (one etcd round trip each) are longer than `settleMs` on a loaded machine. @default 4 x settleMs
   */
  readonly burstSettleMs?: number;
  /**
   * Multiplies the three settle times for a key: keys whose runs are expensive (rate-limited APIs) wait longer so a
   * burst becomes one run. @default () => 1
   */
  readonly settleScale?: (key: K) => number;
  /** A key keeps settling at most this long after its first mark, however busy it is. @default 1000 */
  readonly maxSettleMs?: number;
  /** Told about every failure and the delay before the retry. */
  readonly onFailure?: (key: K, error: unknown, failures: number, delayMs: number) => void;
}

/**
 * A level-triggered work queue keyed by target (like controller-runtime's): marking a key dirty many times before it
 * runs gives one run; at most one run per key is in flight; marks that arrive during a run give exactly one more run
 * after it; a failed key is retried with exponential backoff (marks meanwhile wait for it), reset by a success.
 */
export class WorkQueue<K extends string = string> {
  private readonly ready: K[] = [];
  private readonly queued = new Set<K>();
  private readonly running = new Set<K>();
  private readonly rerun = new Set<K>();
  private readonly waiting = new Map<K, TimerHandle>();
  private readonly settling = new Map<K, { readonly first: number; readonly timer: TimerHandle }>();
  private readonly settleMs: number;
  private readonly burstSettleMs: number;
  private readonly maxSettleMs: number;
  private readonly failures = new Map<K, number>();
  private readonly idleWaiters: Array<() => void> = [];
  private readonly concurrency: number;
  private readonly backoff: BackoffOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private paused = false;
  private stopped = false;
  private pumpScheduled = false;

  constructor(private readonly options: WorkQueueOptions<K>) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.settleMs = options.settleMs ?? 25;
    this.burstSettleMs = Math.max(this.settleMs, options.burstSettleMs ?? 4 * this.settleMs);
    this.maxSettleMs = Math.max(this.burstSettleMs, options.maxSettleMs ?? 1000);
  }

  /** Marks a key dirty. A key in backoff keeps waiting for its retry; use {@link addNow} to cut the wait short. */
  add(key: K): void {
    if (this.stopped) return;
    if (this.running.has(key) || this.waiting.has(key)) {
      this.rerun.add(key);
      return;
    }
    this.settle(key);
  }

  // Debounce: each mark pushes the run back to `settleMs` from now (`burstSettleMs` when a burst is on), but never past
  // `maxSettleMs` after the first.
  private settle(key: K, burst = false): void {
    if (this.settleMs <= 0) {
      this.enqueue(key);
      this.schedulePump();
      return;
    }
    if (this.queued.has(key)) return;
    const now = this.clock.now();
    const current = this.settling.get(key);
    if (current) this.clock.clearTimeout(current.timer);
    const first = current?.first ?? now;
    const scale = this.options.settleScale?.(key) ?? 1;
    const quiet = (burst || current ? this.burstSettleMs : this.settleMs) * scale;
    const due = Math.min(now + quiet, first + this.maxSettleMs * scale);
    const timer = this.clock.setTimeout(
      () => {
        this.settling.delete(key);
        if (this.stopped) return;
        this.enqueue(key);
        this.pump();
      },
      Math.max(0, due - now),
    );
    this.settling.set(key, { first, timer });
  }

  /** Marks a key dirty and cancels its backoff wait (an operator asked for a resync). */
  addNow(key: K): void {
    const timer = this.waiting.get(key);
    if (timer !== undefined) {
      this.clock.clearTimeout(timer);
      this.waiting.delete(key);
    }
    this.add(key);
  }

  /** Stops starting new runs (in-flight runs finish); marks are kept. */
  pause(): void {
    this.paused = true;
  }

  /** Starts runs again after {@link pause}. */
  resume(): void {
    this.paused = false;
    this.schedulePump();
  }

  /** Keys waiting to run, including those settling and those in backoff. */
  get depth(): number {
    return this.ready.length + this.waiting.size + this.settling.size;
  }

  /** Keys running now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Consecutive failures of a key (0 after a success). */
  failureCount(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** Resolves when nothing is settling, ready or running (keys in backoff do not count). */
  onIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work and waits for in-flight runs, at most `timeoutMs`. Resolves true when they all finished in time.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    this.paused = true;
    for (const t of this.waiting.values()) this.clock.clearTimeout(t);
    this.waiting.clear();
    for (const s of this.settling.values()) this.clock.clearTimeout(s.timer);
    this.settling.clear();
    this.ready.length = 0;
    this.queued.clear();
    this.rerun.clear();
    if (this.running.size === 0) return true;
    let timer: TimerHandle = undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = this.onIdle().then(() => true);
    const result = await Promise.race([finished, timedOut]);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    return result;
  }

  private isIdle(): boolean {
    return this.running.size === 0 && this.settling.size === 0 && (this.ready.length === 0 || this.paused);
  }

  private enqueue(key: K): void {
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.ready.push(key);
  }

  // Runs start in a microtask, so every mark made in the same synchronous batch (one watch response) is seen by the
  // run it triggers: all dirty names of a zone go into one change batch.
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.paused && this.running.size < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as K;
      this.queued.delete(key);
      void this.run(key);
    }
    if (this.isIdle()) this.notifyIdle();
  }

  private async run(key: K): Promise<void> {
    this.running.add(key);
    try {
      await this.options.process(key);
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delay = backoffDelay(failures, this.backoff, this.random);
      if (!this.stopped) {
        this.waiting.set(
          key,
          this.clock.setTimeout(() => {
            this.waiting.delete(key);
            this.rerun.delete(key);
            this.add(key);
          }, delay),
        );
      }
      this.options.onFailure?.(key, error, failures, delay);
    } finally {
      this.running.delete(key);
      if (this.rerun.has(key) && !this.waiting.has(key)) {
        this.rerun.delete(key);
        if (!this.stopped) this.settle(key, true);
      }
      this.pump();
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters.splice(0);
    for (const w of waiters) w();
  }
}
