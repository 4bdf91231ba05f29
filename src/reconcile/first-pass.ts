/**
 * The first pass over every target after start (or after becoming leader on a fresh start): until every target has
 * been read once, no total of removals is meaningful, so removals wait; the targets that had some are reconciled
 * again once the pass is over. Targets whose removals the guard held are reconciled again then too.
 */
export class FirstPass {
  private pending: Set<string> | undefined;
  private readonly deferred = new Set<string>();

  /** Starts the pass over these targets (none: it is over at once). */
  begin(ids: Iterable<string>): void {
    const all = new Set(ids);
    this.pending = all.size > 0 ? all : undefined;
  }

  /** A target known from elsewhere (the state record) joins a pass that is running. */
  join(id: string): void {
    this.pending?.add(id);
  }

  /** True when no pass runs. */
  get over(): boolean {
    return this.pending === undefined;
  }

  /** Whether this target's removals must wait for the pass to end; if so, it is reconciled again after. */
  holds(id: string): boolean {
    if (this.pending === undefined) return false;
    this.deferred.add(id);
    return true;
  }

  /** Reconciles this target again when the pass ends. */
  defer(id: string): void {
    this.deferred.add(id);
  }

  /** Records that these targets were attempted; returns the targets to reconcile again when that ended the pass. */
  attempted(ids: Iterable<string>): string[] {
    if (this.pending === undefined) return [];
    for (const id of ids) this.pending.delete(id);
    if (this.pending.size > 0) return [];
    this.pending = undefined;
    const again = [...this.deferred];
    this.deferred.clear();
    return again;
  }
}
