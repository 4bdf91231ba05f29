import type { ForeignKind, RecordType } from '../plan/records.js';
import { AwsCallError } from '../providers/types.js';
import type { MemberClass, Target } from '../tree/types.js';

/** What the daemon knows about one target, for logs, `/state` and tests. */
export interface TargetStatus {
  readonly kind: Target['kind'];
  readonly id: string;
  activeClass: MemberClass | undefined;
  desired: string[];
  /** Route53 names of class `weighted`: each desired member's weight. */
  weights?: Record<string, number> | undefined;
  /** Members AWS had after the last reconcile (undefined before the first successful read). */
  actual: string[] | undefined;
  lastSyncAt: number | undefined;
  lastError: { code: string; message: string; at: number } | undefined;
  /** Members AWS rejected (invalid instance, target or record), not retried until their key changes or a resync. */
  rejected: string[];
  /** Extra members kept because the policy forbids removals. */
  keptByPolicy: string[];
  /** Removals waiting for the removal guard (confirmation) or for the first full pass. */
  heldRemovals: string[];
  /** Route53: families of the name that hold a set lbmanager does not own, so nothing is written there. */
  conflicts: Array<{ readonly type: RecordType; readonly with: ForeignKind }>;
}

/** The status of every target the daemon knows, kept as reconciles go. */
export class TargetStatuses {
  private readonly byId = new Map<string, TargetStatus>();

  /** The status of a target, created empty on first use. */
  of(t: Target, id: string): TargetStatus {
    let s = this.byId.get(id);
    if (!s) {
      s = {
        kind: t.kind,
        id,
        activeClass: undefined,
        desired: [],
        actual: undefined,
        lastSyncAt: undefined,
        lastError: undefined,
        rejected: [],
        keptByPolicy: [],
        heldRemovals: [],
        conflicts: [],
      };
      this.byId.set(id, s);
    }
    return s;
  }

  /** Records why the last reconcile of a target failed. */
  failed(t: Target, id: string, error: unknown, at: number): void {
    this.of(t, id).lastError = {
      code: error instanceof AwsCallError ? error.code : 'Error',
      message: error instanceof Error ? error.message : String(error),
      at,
    };
  }

  /** Forgets a target that is gone from the tree and from AWS. */
  forget(id: string): void {
    this.byId.delete(id);
  }

  /** Every status, without copying (metrics read it on each scrape). */
  values(): IterableIterator<Readonly<TargetStatus>> {
    return this.byId.values();
  }

  /** A copy of every status, sorted by id. */
  snapshot(): TargetStatus[] {
    return [...this.byId.values()]
      .map((s) => ({
        ...s,
        desired: [...s.desired],
        ...(s.weights ? { weights: { ...s.weights } } : {}),
        rejected: [...s.rejected],
        keptByPolicy: [...s.keptByPolicy],
        heldRemovals: [...s.heldRemovals],
        conflicts: [...s.conflicts],
      }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
