import type { ForeignKind, RecordChange, RecordSet, RecordType } from './records.js';

/**
 * One change a sync makes to a target, as the planner returns it: the reconciler applies these, `lbmanager plan`
 * prints them, and the removal guard counts the members they remove, so all three read the same plan.
 */
export type Change =
  /** Register a member with a load balancer or target group. */
  | { readonly kind: 'add'; readonly member: string }
  /** Deregister a member. */
  | { readonly kind: 'remove'; readonly member: string }
  /**
   * Write one of lbmanager's A or AAAA sets of a name: its plain set, or a member's weighted or multivalue set;
   * `adds` and `removes` are the members the name's family gains and loses by it.
   */
  | {
      readonly kind: 'upsert';
      readonly set: RecordSet;
      readonly adds: readonly string[];
      readonly removes: readonly string[];
    }
  /**
   * Delete one of lbmanager's sets (with its exact current fields); `removes` are the members the family loses by it
   * (none when they move to other sets in the same batch, as in a switch between plain and routing-policy sets).
   */
  | { readonly kind: 'delete'; readonly set: RecordSet; readonly removes: readonly string[] }
  /** Nothing is written to this family of the name: a set lbmanager does not own is in the way. */
  | { readonly kind: 'conflict'; readonly type: RecordType; readonly with: ForeignKind }
  /**
   * Members of a weighted name that get no set: Route53 takes at most `limit` weighted sets of a name and type, and
   * the others (another owner's included) fill it. Nothing is sent for them, so no request is spent on a refusal.
   */
  | {
      readonly kind: 'over-limit';
      readonly type: RecordType;
      readonly members: readonly string[];
      readonly limit: number;
    };

/** The members the changes remove (deregistered, or dropped from a record set). */
export function removedBy(changes: readonly Change[]): string[] {
  return changes.flatMap((c) =>
    c.kind === 'remove' ? [c.member] : c.kind === 'upsert' || c.kind === 'delete' ? [...c.removes] : [],
  );
}

/** The members the changes add. */
export function addedBy(changes: readonly Change[]): string[] {
  return changes.flatMap((c) => (c.kind === 'add' ? [c.member] : c.kind === 'upsert' ? [...c.adds] : []));
}

/** The record set changes among them, as a ChangeResourceRecordSets batch takes them. */
export function recordChangesOf(changes: readonly Change[]): RecordChange[] {
  return changes.flatMap((c): RecordChange[] =>
    c.kind === 'upsert'
      ? [{ action: 'UPSERT', set: c.set }]
      : c.kind === 'delete'
        ? [{ action: 'DELETE', set: c.set }]
        : [],
  );
}

/** The conflicts among them. */
export function conflictsOf(
  changes: readonly Change[],
): Array<{ readonly type: RecordType; readonly with: ForeignKind }> {
  return changes.flatMap((c) => (c.kind === 'conflict' ? [{ type: c.type, with: c.with }] : []));
}

/** The members left without a set because Route53's limit of weighted sets is reached. */
export function overLimitOf(changes: readonly Change[]): string[] {
  return changes.flatMap((c) => (c.kind === 'over-limit' ? [...c.members] : []));
}
