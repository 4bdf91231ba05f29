import type { TreeIndex } from '../tree/tree-index.js';
import type { Target } from '../tree/types.js';

/**
 * Members AWS rejected (a terminated instance, an invalid target or record), per target, with the revision of the key
 * that named each: such a member is not sent again until its key is written again, or a full resync clears them all.
 * Members are compared in the form sent to AWS (`i-1` for a key `i-1:80` in a group on port 80), through `canonical`.
 */
export class Rejections {
  private readonly byTarget = new Map<string, Map<string, bigint>>();

  constructor(
    private readonly index: TreeIndex,
    /** The form a target's members are sent to AWS in. */
    private readonly canonicalOf: (t: Target) => (member: string) => string,
  ) {}

  /** Desired members without those rejected since their key was last written; `skipped` lists the others. */
  filter(t: Target, id: string, members: readonly string[]): { members: string[]; skipped: string[] } {
    const rejected = this.byTarget.get(id);
    if (!rejected || rejected.size === 0) return { members: [...members], skipped: [] };
    const canonical = this.canonicalOf(t);
    const revOf = this.revisionsOf(id, canonical);
    const out: string[] = [];
    const skipped: string[] = [];
    for (const m of members) {
      const c = canonical(m);
      const r = rejected.get(c);
      if (r !== undefined && r === revOf.get(c)) skipped.push(m);
      else {
        rejected.delete(c);
        out.push(m);
      }
    }
    return { members: out, skipped };
  }

  /** Records members AWS rejected. */
  reject(t: Target, id: string, members: readonly string[]): void {
    if (members.length === 0) return;
    let r = this.byTarget.get(id);
    if (!r) this.byTarget.set(id, (r = new Map<string, bigint>()));
    const canonical = this.canonicalOf(t);
    const revOf = this.revisionsOf(id, canonical);
    for (const m of members) r.set(canonical(m), revOf.get(canonical(m)) ?? 0n);
  }

  /** The members of a target now rejected, sorted. */
  of(id: string): string[] {
    return [...(this.byTarget.get(id)?.keys() ?? [])].sort();
  }

  /** Forgets one target's rejections. */
  forget(id: string): void {
    this.byTarget.delete(id);
  }

  /** Forgets every rejection (a full resync tries them all again). */
  clear(): void {
    this.byTarget.clear();
  }

  // The newest revision of any key that names the member (`i-1` and `i-1:80` are one member).
  private revisionsOf(id: string, canonical: (member: string) => string): Map<string, bigint> {
    const revOf = new Map<string, bigint>();
    for (const e of this.index.entriesOf(id)) {
      const c = canonical(e.member);
      const r = revOf.get(c);
      if (r === undefined || e.modRevision > r) revOf.set(c, e.modRevision);
    }
    return revOf;
  }
}
