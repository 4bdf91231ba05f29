interface Write {
  readonly registered: boolean;
  readonly at: number;
}

/**
 * What lbmanager wrote to each load balancer or target group in the last moments, so that a describe that has not
 * caught up with a write yet (AWS's reads are eventually consistent) is not taken for the truth: a member registered a
 * moment ago and missing from the answer is still counted, one deregistered a moment ago and still listed is not.
 * Without it, every reconcile in that window registers the same members again, or flaps them.
 */
export class RecentWrites {
  private readonly writes = new Map<string, Map<string, Write>>();

  constructor(
    /** How long a write overrides what describes say. @default 10000 */
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records members registered (or deregistered) with a target just now. */
  record(target: string, members: readonly string[], registered: boolean): void {
    let m = this.writes.get(target);
    if (!m) this.writes.set(target, (m = new Map<string, Write>()));
    const at = this.now();
    for (const member of members) m.set(member, { registered, at });
  }

  /** Forgets every write: describes are believed again. */
  clear(): void {
    this.writes.clear();
  }

  /** The members a describe reported, corrected by the writes it may not show yet. */
  apply(target: string, seen: readonly string[]): string[] {
    const m = this.writes.get(target);
    if (!m) return [...seen];
    const out = new Set(seen);
    const oldest = this.now() - this.windowMs;
    for (const [member, w] of m) {
      if (w.at < oldest) {
        m.delete(member);
        continue;
      }
      if (w.registered) out.add(member);
      else out.delete(member);
    }
    if (m.size === 0) this.writes.delete(target);
    return [...out].sort();
  }
}
