/** Milliseconds since some fixed point; `Date.now` in production, a hand-driven value in tests. */
export type NowMs = () => number;

/**
 * A token bucket: it holds up to `capacity` tokens (the burst), gains `refillPerSecond` tokens a second (the sustained
 * rate) and discards what would overflow. A refill rate of 0 or less means the bucket does not limit at all. It starts
 * full. Time comes from an injected clock, so tests drive it without sleeping. The daemon's Route53 throttle waits on
 * it ({@link waitMs}, {@link take}); the fake AWS endpoint answers Throttling when {@link tryTake} fails.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private capacity: number,
    private refillPerSecond: number,
    private readonly clock: NowMs = Date.now,
  ) {
    this.tokens = capacity;
    this.last = clock();
  }

  /** Whether the bucket limits at all. */
  get limited(): boolean {
    return this.refillPerSecond > 0;
  }

  /** The tokens available now (fractions included). */
  available(): number {
    this.refill();
    return this.limited ? this.tokens : Number.POSITIVE_INFINITY;
  }

  /** Whether `n` tokens are available now; takes nothing. */
  has(n: number): boolean {
    return this.available() >= n;
  }

  /** Takes `n` tokens if they are all there; otherwise takes none. */
  tryTake(n = 1): boolean {
    if (!this.has(n)) return false;
    if (this.limited) this.tokens -= n;
    return true;
  }

  /** Milliseconds until `n` tokens are there (0: now). More than the bucket holds waits for a full bucket. */
  waitMs(n: number): number {
    if (!this.limited) return 0;
    this.refill();
    const need = Math.min(n, this.capacity) - this.tokens;
    return need <= 0 ? 0 : Math.ceil((need / this.refillPerSecond) * 1000);
  }

  /** Takes `n` tokens (at most a full bucket); call when {@link waitMs} says 0. */
  take(n: number): void {
    if (!this.limited) return;
    this.refill();
    this.tokens -= Math.min(n, this.capacity);
  }

  /** Fills the bucket to its capacity. */
  fill(): void {
    this.refill();
    this.tokens = this.capacity;
  }

  /**
   * Changes the capacity and refill rate. Tokens already earned stay (down to the new capacity), so a configuration
   * change is not a free refill; a bucket that did not limit before starts full.
   */
  configure(capacity: number, refillPerSecond: number): void {
    const wasLimited = this.limited;
    this.refill();
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.tokens = wasLimited ? Math.min(this.tokens, capacity) : capacity;
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    if (this.refillPerSecond > 0) this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerSecond);
  }
}
