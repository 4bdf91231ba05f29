import type { MemberClass } from './types.js';

/** One member key of a target as the desired-state function sees it. */
export interface MemberEntry {
  readonly key: string;
  readonly memberClass: MemberClass;
  readonly member: string;
  readonly modRevision: bigint;
}

/** The desired membership of one target, see docs/architecture.md, Desired state. */
export interface DesiredMembers {
  readonly activeClass: MemberClass | undefined;
  readonly members: string[];
}

// Keys written in one etcd transaction share a mod_revision; ordering ties by key name keeps the result a pure,
// deterministic function of the tree instead of depending on the order keys were read.
function newer(a: MemberEntry, b: MemberEntry): boolean {
  return a.modRevision !== b.modRevision ? a.modRevision > b.modRevision : a.key > b.key;
}

/**
 * Computes a target's desired members from its keys: the newest key picks the active class; `single` keeps the newest
 * single member, `multiple` keeps every multiple member. No keys: nothing.
 */
export function desiredMembers(entries: Iterable<MemberEntry>): DesiredMembers {
  let newest: MemberEntry | undefined;
  let newestSingle: MemberEntry | undefined;
  const multiple = new Set<string>();
  for (const e of entries) {
    if (!newest || newer(e, newest)) newest = e;
    if (e.memberClass === 'single') {
      if (!newestSingle || newer(e, newestSingle)) newestSingle = e;
    } else {
      multiple.add(e.member);
    }
  }
  if (!newest) return { activeClass: undefined, members: [] };
  if (newest.memberClass === 'single')
    return { activeClass: 'single', members: newestSingle ? [newestSingle.member] : [] };
  return { activeClass: 'multiple', members: [...multiple].sort() };
}

/**
 * The keys that no longer take part in the desired state: keys of the inactive class, and every `single` key but the
 * newest. `--prune-superseded` deletes them (guarded by their mod_revision).
 */
export function supersededKeys(entries: Iterable<MemberEntry>): MemberEntry[] {
  const all = [...entries];
  const { activeClass } = desiredMembers(all);
  if (activeClass === undefined) return [];
  if (activeClass === 'multiple') return all.filter((e) => e.memberClass === 'single');
  let newestSingle: MemberEntry | undefined;
  for (const e of all) if (e.memberClass === 'single' && (!newestSingle || newer(e, newestSingle))) newestSingle = e;
  return all.filter((e) => e !== newestSingle);
}
