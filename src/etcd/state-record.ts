import { createHash } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import type { MemberEntry } from '../tree/desired.js';
import { confirmationKey } from './confirmations.js';
import type { Target } from '../tree/types.js';
import { silentLogger, type Logger } from '../util/log.js';

/** A target as the state record holds it: what the leader last applied. */
export interface RecordedTarget {
  readonly id: string;
  readonly target: Target;
  readonly members: readonly string[];
}

function isTarget(v: unknown): v is Target {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  if ((t.kind === 'elb' || t.kind === 'elbv2') && typeof t.region === 'string' && typeof t.name === 'string')
    return true;
  return (
    t.kind === 'route53' && typeof t.region === 'string' && typeof t.zoneId === 'string' && typeof t.fqdn === 'string'
  );
}

/**
 * The leader's record of what it applied, under `--state-prefix` (outside the tree). It lets a restart find targets
 * whose keys were all removed while no daemon ran, and drain them. Writes are guarded by the leader's campaign key, so
 * a replica that lost leadership cannot write.
 */
export class StateRecord {
  /**
   * What is recorded for each target, as a fingerprint of its sorted members: with a million members, keeping every
   * record's JSON (and parsing it again on each apply) cost tens of MB and a third of a second of a cold start.
   */
  private readonly written = new Map<string, string>();
  /** Records waiting to be written: the newest per target, with everyone waiting for it. */
  private readonly pending = new Map<
    string,
    { readonly value: string | undefined; readonly print: string | undefined; readonly done: Array<() => void> }
  >();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Etcd3,
    /** Ends with a slash, e.g. `/_lbmanager/state/`. */
    private readonly prefix: string,
    private readonly guardKey: () => string | undefined,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Every recorded target; entries that do not parse are reported and skipped. */
  async load(): Promise<RecordedTarget[]> {
    const all = await this.client.getAll().prefix(this.prefix).strings();
    const out: RecordedTarget[] = [];
    for (const [key, value] of Object.entries(all)) {
      // Not a record: the key confirmations arrive through.
      if (key === confirmationKey(this.prefix)) continue;
      try {
        const v = JSON.parse(value) as { target?: unknown; members?: unknown };
        if (!isTarget(v.target) || !Array.isArray(v.members)) throw new Error('missing target or members');
        const id = key.slice(this.prefix.length);
        const members = v.members.filter((m): m is string => typeof m === 'string');
        out.push({ id, target: v.target, members });
        this.written.set(id, fingerprint([...members].sort()));
      } catch (e) {
        this.logger.warn('state record entry ignored', { key, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return out;
  }

  /**
   * Records what was applied to a target; forgets it when it is gone from the tree and from AWS. Unchanged records are
   * not written. Records made close together are written together, in transactions of up to 100 (a first pass over
   * thousands of targets is a few dozen etcd requests, not thousands). Resolves once this record was written (or failed,
   * which is logged: the record is an aid, and the next apply writes it again).
   */
  record(id: string, target: Target, members: readonly string[], inTree: boolean): Promise<void> {
    const remove = !inTree && members.length === 0;
    const previous = this.written.get(id);
    const sorted = remove ? [] : [...members].sort();
    const print = remove ? undefined : fingerprint(sorted);
    if (remove ? previous === undefined : previous === print) return Promise.resolve();
    const value = remove ? undefined : JSON.stringify({ target, members: sorted, at: new Date().toISOString() });
    return new Promise((resolve) => {
      const earlier = this.pending.get(id);
      this.pending.set(id, { value, print, done: [...(earlier?.done ?? []), resolve] });
      this.flushTimer ??= setTimeout(() => void this.flush(), 20);
    });
  }

  /** Writes every pending record now (on shutdown, before the client closes). */
  async drain(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.pending.size > 0) await this.flush();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private async flush(): Promise<void> {
    this.flushTimer = undefined;
    const batch = [...this.pending].slice(0, 100);
    for (const [id] of batch) this.pending.delete(id);
    if (this.pending.size > 0) this.flushTimer = setTimeout(() => void this.flush(), 0);
    const ops = batch.map(([id, p]) =>
      p.value === undefined
        ? this.client.delete().key(`${this.prefix}${id}`)
        : this.client.put(`${this.prefix}${id}`).value(p.value),
    );
    const guard = this.guardKey();
    try {
      if (guard) {
        const res = await this.client
          .if(guard, 'Create', '>', 0)
          .then(...ops)
          .commit();
        if (!res.succeeded) throw new Error('not the leader any more (campaign key gone)');
      } else {
        await this.client.kv.txn({
          compare: [],
          success: batch.map(([id, p]) =>
            p.value === undefined
              ? { request_delete_range: { key: Buffer.from(`${this.prefix}${id}`) } }
              : { request_put: { key: Buffer.from(`${this.prefix}${id}`), value: Buffer.from(p.value) } },
          ),
          failure: [],
        });
      }
      for (const [id, p] of batch) {
        if (p.print === undefined) this.written.delete(id);
        else this.written.set(id, p.print);
      }
    } catch (e) {
      this.logger.warn('could not update the state record', {
        targets: batch.length,
        error: e instanceof Error ? e.message : String(e),
      });
    } finally {
      for (const [, p] of batch) for (const done of p.done) done();
    }
  }

  /**
   * `--prune-superseded`: deletes keys that no longer take part in the desired state, each only if its mod_revision is
   * unchanged (a concurrent rewrite makes it current again and is never lost).
   */
  async prune(id: string, superseded: readonly MemberEntry[]): Promise<number> {
    let deleted = 0;
    const guard = this.guardKey();
    for (const e of superseded) {
      try {
        let cmp = this.client.if(e.key, 'Mod', '==', e.modRevision.toString());
        if (guard) cmp = cmp.and(guard, 'Create', '>', 0);
        const res = await cmp.then(this.client.delete().key(e.key)).commit();
        if (res.succeeded) deleted++;
      } catch (err) {
        this.logger.warn('could not prune a superseded key', {
          target: id,
          key: e.key,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    if (deleted > 0) this.logger.info('superseded keys pruned', { target: id, action: 'prune', keys: deleted });
    return deleted;
  }
}

/** A short digest of sorted members: equal members, equal digests (a collision would only skip one record write). */
function fingerprint(sorted: readonly string[]): string {
  return createHash('sha1').update(sorted.join('\n')).digest('base64');
}
