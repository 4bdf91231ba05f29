import type { ForeignKind } from '../plan/records.js';
import type { Reconciler, TargetStatus } from '../reconcile/reconciler.js';
import type { RemovalHoldState } from '../reconcile/removal-hold.js';

/** What `/state`, the status page's event stream and `lbmanager status` read from the daemon. */
export interface StateSources {
  readonly reconciler: Reconciler;
  /** True while this replica may write (leader, or election off). */
  readonly isLeader: () => boolean;
  /** Why this replica cannot take part in the leader election, or undefined. */
  readonly electionProblem?: () => string | undefined;
  /** Unix time (ms) of the last completed full pass over every target, or undefined. */
  readonly lastFullSync: () => number | undefined;
  /** Seconds between full passes; 0 when periodic resync is off. */
  readonly resyncInterval: number;
  /** This replica's `--identity`. */
  readonly identity?: string;
  /** The etcd watch: connected or not, and how often it was restarted. */
  readonly watch?: () => { readonly watching: boolean; readonly restarts: number };
  readonly now?: () => number;
}

/**
 * What a target needs from an operator, most urgent first: the page and `lbmanager status` list targets in this order,
 * and both name the condition in words, so colour is never the only signal.
 */
export const CONDITIONS = ['failing', 'held', 'conflict', 'rejected', 'drift', 'unread', 'in-sync'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** Each condition in words, as the page and the terminal show it. */
export const CONDITION_WORDS: Readonly<Record<Condition, string>> = {
  failing: 'failing',
  held: 'held',
  conflict: 'conflict',
  rejected: 'rejected',
  drift: 'drift',
  unread: 'not read yet',
  'in-sync': 'in sync',
};

/** What holds a Route53 family lbmanager would write (a conflict), in words. */
export const HELD_BY: Readonly<Record<ForeignKind, string>> = {
  alias: 'an alias set',
  'routing-policy': 'routing-policy sets',
  cname: 'a CNAME',
};

/** One target as `/state` shows it. */
export interface TargetJson {
  readonly kind: TargetStatus['kind'];
  readonly id: string;
  readonly activeClass: TargetStatus['activeClass'] | null;
  readonly desired: readonly string[];
  /** A `weighted` name's desired members with their weights. */
  readonly weights?: Readonly<Record<string, number>>;
  readonly actual: readonly string[] | null;
  readonly lastSync: string | null;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null;
  readonly rejected: readonly string[];
  readonly keptByPolicy: readonly string[];
  readonly heldRemovals: readonly string[];
  readonly conflicts: TargetStatus['conflicts'];
  readonly condition: Condition;
  /** Desired members AWS lacks and members AWS has beyond the desired ones; null before AWS was read. */
  readonly drift: { readonly missing: number; readonly extra: number } | null;
}

/** Everything of `/state` but the targets. */
export interface StateHeader {
  readonly identity: string | null;
  readonly role: 'leader' | 'standby';
  readonly leader: boolean;
  readonly ready: boolean;
  readonly notReadyReason: string | null;
  readonly revision: string;
  readonly synced: boolean;
  readonly watch: { readonly watching: boolean; readonly restarts: number } | null;
  readonly lastFullSync: string | null;
  readonly removalHold: RemovalHoldState;
  readonly malformedKeys: number;
  /** True when an admin token is configured, so held removals can be confirmed over HTTP (the page asks for it). */
  readonly tokenConfigured: boolean;
  /** The daemon's clock when this was made: ages are computed against it, not against the reader's clock. */
  readonly now: string;
}

/** The whole of `/state`. */
export interface StateJson extends StateHeader {
  readonly targets: readonly TargetJson[];
}

/** Why the daemon is not ready, or undefined when it is (README, Admin endpoint). */
export function notReadyReason(s: StateSources): string | undefined {
  const r = s.reconciler;
  if (!r.synced) return 'the tree has not been read completely yet (or the etcd watch is being re-established)';
  // A standby that cannot campaign would never take over: it is not the warm spare it looks like.
  const election = s.electionProblem?.();
  if (election !== undefined) return election;
  if (!s.isLeader()) return undefined;
  if (!r.firstPassDone) return 'the first reconcile of every target has not finished yet';
  const hold = r.removalHold;
  if (hold.held) return hold.reason;
  const last = s.lastFullSync();
  if (last === undefined) return 'the first full pass has not finished yet';
  if (s.resyncInterval > 0) {
    const age = ((s.now ?? Date.now)() - last) / 1000;
    if (age > 3 * s.resyncInterval) {
      return `the last full sync finished ${Math.round(age)} s ago, more than 3 resync intervals (${s.resyncInterval} s)`;
    }
  }
  return undefined;
}

/** The header of `/state`: role, readiness, tree and watch, the removal hold. */
export function stateHeader(s: StateSources, tokenConfigured: boolean): StateHeader {
  const r = s.reconciler;
  const last = s.lastFullSync();
  const reason = notReadyReason(s);
  const leader = s.isLeader();
  return {
    identity: s.identity ?? null,
    role: leader ? 'leader' : 'standby',
    leader,
    ready: reason === undefined,
    notReadyReason: reason ?? null,
    revision: r.index.revision.toString(),
    synced: r.synced,
    watch: s.watch?.() ?? null,
    lastFullSync: last === undefined ? null : new Date(last).toISOString(),
    removalHold: r.removalHold,
    malformedKeys: r.index.malformedCount(),
    tokenConfigured,
    now: new Date((s.now ?? Date.now)()).toISOString(),
  };
}

/** One target's status as `/state` shows it, with its condition and drift. */
export function targetJson(s: Readonly<TargetStatus>): TargetJson {
  const desired = new Set(s.desired);
  const actual = s.actual === undefined ? undefined : new Set(s.actual);
  const missing = actual === undefined ? [] : s.desired.filter((m) => !actual.has(m));
  const extra = s.actual === undefined ? [] : s.actual.filter((m) => !desired.has(m));
  // Drift that is explained elsewhere (a rejected member, one kept by the policy, a held removal) is not its own
  // condition: the target shows under the explanation.
  const explained = new Set([...s.rejected, ...s.keptByPolicy, ...s.heldRemovals]);
  const unexplained = [...missing, ...extra].some((m) => !explained.has(m));
  const condition: Condition = s.lastError
    ? 'failing'
    : s.heldRemovals.length > 0
      ? 'held'
      : s.conflicts.length > 0
        ? 'conflict'
        : s.rejected.length > 0
          ? 'rejected'
          : unexplained
            ? 'drift'
            : s.actual === undefined
              ? 'unread'
              : 'in-sync';
  return {
    kind: s.kind,
    id: s.id,
    activeClass: s.activeClass ?? null,
    desired: s.desired,
    ...(s.weights ? { weights: s.weights } : {}),
    actual: s.actual ?? null,
    lastSync: s.lastSyncAt === undefined ? null : new Date(s.lastSyncAt).toISOString(),
    lastError: s.lastError ? { ...s.lastError, at: new Date(s.lastError.at).toISOString() } : null,
    rejected: s.rejected,
    keptByPolicy: s.keptByPolicy,
    heldRemovals: s.heldRemovals,
    conflicts: s.conflicts,
    condition,
    drift: actual === undefined ? null : { missing: missing.length, extra: extra.length },
  };
}

/** The whole of `/state`. */
export function stateJson(s: StateSources, tokenConfigured: boolean): StateJson {
  return { ...stateHeader(s, tokenConfigured), targets: s.reconciler.status().map(targetJson) };
}
