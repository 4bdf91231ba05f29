/** How long changes are remembered for lagging describes, at least. */
export const HISTORY_MS = 60_000;

interface Change<V> {
  readonly at: number;
  readonly key: string;
  /** The value before the change; undefined when the key was absent. */
  readonly prev: V | undefined;
}

/**
 * The members of one load balancer or target group, and their recent changes with timestamps, so that a describe can
 * answer with the membership as it was some milliseconds ago (the eventual-consistency fault) while writes apply at
 * once. Values are replaced, never mutated, so an old value in the log stays what it was.
 */
export class Membership<V> {
  readonly current = new Map<string, V>();
  private changes: Array<Change<V>> = [];
  /** Changes before this index are forgotten (compacted lazily). */
  private head = 0;

  /** Sets a member at time `at`. */
  set(key: string, value: V, at: number): void {
    this.changes.push({ at, key, prev: this.current.get(key) });
    this.current.set(key, value);
  }

  /** Removes a member at time `at`; nothing when it is absent. */
  delete(key: string, at: number): void {
    if (!this.current.has(key)) return;
    this.changes.push({ at, key, prev: this.current.get(key) });
    this.current.delete(key);
  }

  /** Drops a member without history: only for one no view within the history can see (long gone). */
  purge(key: string): void {
    this.current.delete(key);
  }

  /** Replaces every member without history (loading a state). */
  reset(entries: Iterable<[string, V]>): void {
    this.current.clear();
    for (const [k, v] of entries) this.current.set(k, v);
    this.changes = [];
    this.head = 0;
  }

  /** Drops every member and the history, as a hand-made change that no describe lags behind (tests of drift). */
  clear(): void {
    this.reset([]);
  }

  /** The members as they were at time `at`: the current ones, with every later change undone. */
  asOf(at: number): Map<string, V> {
    const last = this.changes[this.changes.length - 1];
    if (!last || last.at <= at) return this.current;
    const view = new Map(this.current);
    for (let i = this.changes.length - 1; i >= this.head; i--) {
      const c = this.changes[i] as Change<V>;
      if (c.at <= at) break;
      if (c.prev === undefined) view.delete(c.key);
      else view.set(c.key, c.prev);
    }
    return view;
  }

  /** Forgets changes made before `before`; a lagging describe never looks that far back. */
  forget(before: number): void {
    while (this.head < this.changes.length && (this.changes[this.head] as Change<V>).at < before) this.head++;
    if (this.head > 1024 && this.head * 2 > this.changes.length) {
      this.changes = this.changes.slice(this.head);
      this.head = 0;
    }
  }
}
