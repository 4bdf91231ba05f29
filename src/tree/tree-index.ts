import { desiredMembers, type MemberEntry } from './desired.js';
import { mayNeedValue, parseKey } from './keys.js';
import {
  workKey,
  type DesiredTarget,
  type MalformedKey,
  type MemberKey,
  type ParsedKey,
  type Target,
  type TreeEntry,
} from './types.js';

/** A put or delete of one key, as delivered by the etcd watch. */
export interface TreeChange {
  readonly type: 'put' | 'delete';
  readonly key: string;
  readonly modRevision: bigint;
  /** A put's value (a `weighted` key's weight). */
  readonly value?: string;
}

interface TargetKeys {
  readonly target: Target;
  readonly entries: Map<string, MemberEntry>;
}

/** What a snapshot or a batch of events changed. */
export interface IndexUpdate {
  /** Ids of targets whose set of keys changed (possibly to empty). */
  readonly changedTargets: Set<string>;
  /** Malformed keys seen for the first time. */
  readonly newMalformed: MalformedKey[];
}

/**
 * The daemon's view of the tree: member keys grouped by target, plus the malformed keys. Updated by snapshots and watch
 * events; desired state is computed per target on demand, so an event costs work proportional to its target only.
 */
export class TreeIndex {
  private readonly byTarget = new Map<string, TargetKeys>();
  private readonly targetOfKey = new Map<string, string>();
  private readonly malformedKeys = new Map<string, string>();
  private readonly byWorkKey = new Map<string, Set<string>>();
  /**
   * Keys parsed ahead of the snapshot that will hold them, in the order the pages came (the snapshot's order: it is
   * matched by position, not looked up in a map of a million keys). Parsing is pure: a result never goes stale. Pages
   * come keys only, so a `weighted` key, whose value is its weight, is parsed again when the snapshot brings the value.
   */
  private parsedAhead: ParsedKey[] = [];
  /** The last valid key parsed: the next key of the same target shares its target object and id. */
  private lastParsed: MemberKey | undefined;
  /** The target the last put went to: sorted keys come target by target, so most puts skip the lookup. */
  private lastTarget: TargetKeys | undefined;
  private rev = 0n;

  /** `prefix` without a trailing slash, e.g. `/lbManager`. */
  constructor(private readonly prefix: string) {}

  /** The etcd revision the view reflects. */
  get revision(): bigint {
    return this.rev;
  }

  /** Number of valid member keys. */
  get memberKeyCount(): number {
    return this.targetOfKey.size;
  }

  /** Parses keys of a snapshot still being read, so that {@link replace} finds them parsed; returns the valid ones. */
  parseAhead(entries: readonly TreeEntry[]): MemberKey[] {
    const valid: MemberKey[] = [];
    for (const e of entries) {
      const parsed = this.parse(e.key, e.value);
      this.parsedAhead.push(parsed);
      if (parsed.ok) valid.push(parsed.value);
    }
    return valid;
  }

  /** Replaces the whole view with a snapshot; reports the targets whose keys differ from the previous view. */
  replace(entries: readonly TreeEntry[], revision: bigint): IndexUpdate {
    const before = new Map<string, Map<string, bigint>>();
    for (const [id, t] of this.byTarget) {
      const m = new Map<string, bigint>();
      for (const [k, e] of t.entries) m.set(k, e.modRevision);
      before.set(id, m);
    }
    const oldMalformed = new Set(this.malformedKeys.keys());
    this.byTarget.clear();
    this.targetOfKey.clear();
    this.malformedKeys.clear();
    this.byWorkKey.clear();
    this.lastTarget = undefined;
    const newMalformed: MalformedKey[] = [];
    const ahead = this.parsedAhead;
    // Pages of a read that failed may come first (their results are right, by key): past the first key that does not
    // match, keys are parsed here.
    let i = 0;
    for (const e of entries) {
      const a = ahead[i];
      const matched = a !== undefined && a.value.key === e.key;
      if (matched) i++;
      const parsed = matched && !mayNeedValue(e.key) ? a : undefined;
      const bad = this.put(e.key, e.modRevision, e.value, parsed, true);
      if (bad && !oldMalformed.has(bad.key)) newMalformed.push(bad);
    }
    this.parsedAhead = [];
    this.rev = revision;
    const changedTargets = new Set<string>();
    for (const [id, old] of before) {
      const now = this.byTarget.get(id);
      if (!now || now.entries.size !== old.size) {
        changedTargets.add(id);
        continue;
      }
      for (const [k, e] of now.entries) {
        if (old.get(k) !== e.modRevision) {
          changedTargets.add(id);
          break;
        }
      }
    }
    for (const id of this.byTarget.keys()) if (!before.has(id)) changedTargets.add(id);
    return { changedTargets, newMalformed };
  }

  /** Applies watch events in order; reports the targets they touched. */
  apply(changes: readonly TreeChange[], revision: bigint): IndexUpdate {
    const changedTargets = new Set<string>();
    const newMalformed: MalformedKey[] = [];
    for (const c of changes) {
      if (c.type === 'put') {
        const wasMalformed = this.malformedKeys.has(c.key);
        // A weighted key rewritten with a bad weight leaves its target: that target changed too.
        const before = this.targetOfKey.get(c.key);
        const bad = this.put(c.key, c.modRevision, c.value);
        if (bad && !wasMalformed) newMalformed.push(bad);
        const id = this.targetOfKey.get(c.key);
        if (id) changedTargets.add(id);
        if (before) changedTargets.add(before);
      } else {
        const id = this.remove(c.key);
        if (id) changedTargets.add(id);
      }
    }
    if (revision > this.rev) this.rev = revision;
    return { changedTargets, newMalformed };
  }

  /** The desired state of a target (empty when it has no keys). */
  desired(target: Target, id: string): DesiredTarget {
    const t = this.byTarget.get(id);
    const d = t ? desiredMembers(t.entries.values()) : { activeClass: undefined, members: [] };
    return { target, targetId: id, activeClass: d.activeClass, members: d.members, ...weightsOf(d) };
  }

  /** The member keys of a target. */
  entriesOf(id: string): MemberEntry[] {
    const t = this.byTarget.get(id);
    return t ? [...t.entries.values()] : [];
  }

  /** The target with this id, if it has keys. */
  target(id: string): Target | undefined {
    return this.byTarget.get(id)?.target;
  }

  /** Every target that has at least one key. */
  targets(): IterableIterator<Target> {
    return (function* (m: Map<string, TargetKeys>) {
      for (const t of m.values()) yield t.target;
    })(this.byTarget);
  }

  /** Ids of the targets (with keys) that share a unit of work, e.g. every name of a hosted zone. */
  targetIdsOfWork(key: string): string[] {
    return [...(this.byWorkKey.get(key) ?? [])];
  }

  /** Number of malformed keys. */
  malformedCount(): number {
    return this.malformedKeys.size;
  }

  /** Every malformed key with its reason. */
  malformed(): MalformedKey[] {
    return [...this.malformedKeys].map(([key, reason]) => ({ key, reason }));
  }

  /**
   * `fresh`: the view was just cleared and the key is new to it (a snapshot's keys are unique), so nothing of it needs
   * removing first.
   */
  private put(
    key: string,
    modRevision: bigint,
    value = '',
    ahead?: ParsedKey,
    fresh = false,
  ): MalformedKey | undefined {
    const parsed = ahead ?? this.parse(key, value);
    if (!parsed.ok) {
      if (!fresh) this.remove(key);
      this.malformedKeys.set(key, parsed.value.reason);
      return parsed.value;
    }
    const m = parsed.value;
    if (!fresh) {
      this.malformedKeys.delete(key);
      const previous = this.targetOfKey.get(key);
      if (previous !== undefined && previous !== m.targetId) this.remove(key);
    }
    let t = this.lastTarget?.target === m.target ? this.lastTarget : this.byTarget.get(m.targetId);
    if (!t) {
      t = { target: m.target, entries: new Map() };
      this.byTarget.set(m.targetId, t);
      const wk = workKey(m.target);
      let ids = this.byWorkKey.get(wk);
      if (!ids) this.byWorkKey.set(wk, (ids = new Set()));
      ids.add(m.targetId);
    }
    this.lastTarget = t;
    // Two literal shapes rather than a spread: one entry per key of the tree, kept in V8's compact form.
    const { memberClass, member, weight } = m;
    t.entries.set(
      key,
      weight !== undefined
        ? { key, memberClass, member, modRevision, weight }
        : { key, memberClass, member, modRevision },
    );
    this.targetOfKey.set(key, m.targetId);
    return undefined;
  }

  private parse(key: string, value?: string): ParsedKey {
    const parsed = parseKey(key, this.prefix, value, this.lastParsed);
    if (parsed.ok) this.lastParsed = parsed.value;
    return parsed;
  }

  private remove(key: string): string | undefined {
    if (this.malformedKeys.delete(key)) return undefined;
    const id = this.targetOfKey.get(key);
    if (id === undefined) return undefined;
    this.targetOfKey.delete(key);
    const t = this.byTarget.get(id);
    if (t) {
      t.entries.delete(key);
      if (t.entries.size === 0) {
        this.byTarget.delete(id);
        if (this.lastTarget === t) this.lastTarget = undefined;
        const wk = workKey(t.target);
        const ids = this.byWorkKey.get(wk);
        ids?.delete(id);
        if (ids && ids.size === 0) this.byWorkKey.delete(wk);
      }
    }
    return id;
  }
}

function weightsOf(d: { readonly weights?: Record<string, number> }): { weights?: Record<string, number> } {
  return d.weights ? { weights: d.weights } : {};
}
