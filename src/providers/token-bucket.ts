/** A token bucket: it holds at most `burst` tokens and gains `rate` tokens a second; a rate of 0 means no limit. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly burst: number,
    readonly rate: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Milliseconds until `n` tokens are there (0: now). More than the bucket holds waits for a full bucket. */
  waitMs(n: number): number {
    if (this.rate <= 0) return 0;
    this.refill();
    const need = Math.min(n, this.burst) - this.tokens;
    return need <= 0 ? 0 : Math.ceil((need / this.rate) * 1000);
  }

  /** Takes `n` tokens (at most a full bucket); call when {@link waitMs} says 0. */
  take(n: number): void {
    if (this.rate <= 0) return;
    this.refill();
    this.tokens -= Math.min(n, this.burst);
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
