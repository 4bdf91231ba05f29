/**
 * Remembers when writes to each target were sent and answered, on one logical clock shared with the listings that
 * read many targets at once, so that a listing never answers a read made after a write to its target. A listing
 * started at tick L may answer for a target only when no write to it was in flight at L or began or ended after L:
 * a write answered before the listing began is in it; anything else may not be.
 */
export class WriteLedger {
  private tick = 0;
  private readonly inFlight = new Map<string, number>();
  private readonly lastTouched = new Map<string, number>();

  /** A listing starts now: the tick it is judged by. */
  listingStarts(): number {
    return ++this.tick;
  }

  /** Runs a write to `target`, recorded from before it is sent until after it is answered (or failed). */
  async write<T>(target: string, send: () => Promise<T>): Promise<T> {
    this.touch(target, +1);
    try {
      return await send();
    } finally {
      this.touch(target, -1);
    }
  }

  /** Whether a listing that started at `listedAt` may answer a read of `target` now. */
  mayAnswer(target: string, listedAt: number): boolean {
    return (this.inFlight.get(target) ?? 0) === 0 && (this.lastTouched.get(target) ?? 0) < listedAt;
  }

  private touch(target: string, delta: number): void {
    this.lastTouched.set(target, ++this.tick);
    const n = (this.inFlight.get(target) ?? 0) + delta;
    if (n === 0) this.inFlight.delete(target);
    else this.inFlight.set(target, n);
  }
}
