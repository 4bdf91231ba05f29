import type { MemberClass } from './types.js';

/** One member key of a target as the desired-state function sees it. */
export interface MemberEntry {
  readonly key: string;
  readonly memberClass: MemberClass;
  readonly member: string;
  readonly modRevision: bigint;
  /** `weighted` keys only. */
  readonly weight?: number;
}

/** The desired membership of one target, see docs/architecture.md, Desired state. */
export interface DesiredMembers {
  readonly activeClass: MemberClass | undefined;
  readonly members: string[];
  /** `weighted` only: each member's weight, from its newest `weighted` key. */
  readonly weights?: Record<string, number>;
}

// Keys written in one etcd transaction share a mod_revision; ordering ties by key name keeps the result a pure,
// deterministic function of the tree instead of depending on the order keys were read.
function newer(a: MemberEntry, b: MemberEntry): boolean {
  return a.modRevision !== b.modRevision ? a.modRevision > b.modRevision : a.key > b.key;
}

/**
 * Computes a target's desired members from its keys: the newest key picks the active class; `single` keeps the newest
 * single member, the other classes keep every member of their class (`weighted` with the weight of the member's
 * newest key: one address may be written in two spellings). No keys: nothing.
 */
export function desiredMembers(entries: Iterable<MemberEntry>): DesiredMembers {
  const all = Array.isArray(entries) ? (entries as MemberEntry[]) : [...entries];
  let newest: MemberEntry | undefined;
  let newestSingle: MemberEntry | undefined;
  for (const e of all) {
    if (!newest || newer(e, newest)) newest = e;
    if (e.memberClass === 'single' && (!newestSingle || newer(e, newestSingle))) newestSingle = e;
  }
  if (!newest) return { activeClass: undefined, members: [] };
  const activeClass = newest.memberClass;
  if (activeClass === 'single') return { activeClass, members: newestSingle ? [newestSingle.member] : [] };
  // Only the active class's members are collected: one set per call, whatever the classes of the other keys.
  const active = new Map<string, MemberEntry>();
  for (const e of all) {
    if (e.memberClass !== activeClass) continue;
    const other = active.get(e.member);
    if (!other || newer(e, other)) active.set(e.member, e);
  }
  const members = [...active.keys()].sort();
  if (activeClass !== 'weighted') return { activeClass, members };
  const weights: Record<string, number> = {};
  for (const m of members) weights[m] = active.get(m)?.weight ?? 1;
  return { activeClass, members, weights };
}

/**
 * The keys that no longer take part in the desired state: keys of the inactive classes, and every `single` key but
 * the newest. `--prune-superseded` deletes them (guarded by their mod_revision).
 */
export function supersededKeys(entries: Iterable<MemberEntry>): MemberEntry[] {
  const all = [...entries];
  const { activeClass } = desiredMembers(all);
  if (activeClass === undefined) return [];
  if (activeClass !== 'single') return all.filter((e) => e.memberClass !== activeClass);
  let newestSingle: MemberEntry | undefined;
  for (const e of all) if (e.memberClass === 'single' && (!newestSingle || newer(e, newestSingle))) newestSingle = e;
  return all.filter((e) => e !== newestSingle);
}
