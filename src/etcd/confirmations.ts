import type { Etcd3, IKeyValue, Watcher } from 'etcd3';
import type { RemovalConfirmation } from '../plan/removal-guard.js';
import { silentLogger, type Logger } from '../util/log.js';

/** The key, under the state prefix, through which `lbmanager confirm-removal` confirms held removals. */
export function confirmationKey(statePrefix: string): string {
  return `${statePrefix}confirm-removal`;
}

/** What `lbmanager confirm-removal` writes: all held removals, or those of some targets, and who asked. */
export interface ConfirmationRecord {
  readonly confirmation: RemovalConfirmation;
  readonly by: string;
  readonly at: string;
}

/** The record as JSON, the key's value. */
export function encodeConfirmation(record: ConfirmationRecord): string {
  const { confirmation, by, at } = record;
  return JSON.stringify(
    confirmation === 'all' ? { all: true, by, at } : { targets: [...confirmation.targets], by, at },
  );
}

/** Reads a key's value; undefined (with the reason) when it is not a confirmation this version understands. */
export function decodeConfirmation(value: string): ConfirmationRecord | { readonly error: string } {
  let v: unknown;
  try {
    v = JSON.parse(value);
  } catch {
    return { error: 'the value is not JSON' };
  }
  if (typeof v !== 'object' || v === null) return { error: 'the value is not a JSON object' };
  const o = v as Record<string, unknown>;
  const by = typeof o.by === 'string' ? o.by : 'unknown';
  const at = typeof o.at === 'string' ? o.at : '';
  if (o.all === true) return { confirmation: 'all', by, at };
  if (Array.isArray(o.targets) && o.targets.length > 0 && o.targets.every((t) => typeof t === 'string')) {
    return { confirmation: { targets: o.targets }, by, at };
  }
  return { error: 'expected {"all": true} or {"targets": ["elb/us-east-1/web", …]}' };
}

/** Options of {@link ConfirmationWatch}. */
export interface ConfirmationWatchOptions {
  readonly client: Etcd3;
  /** Ends with a slash, e.g. `/_lbmanager/state/`. */
  readonly statePrefix: string;
  readonly logger?: Logger;
  /** Delay before watching again after the watch failed. @default 1000 */
  readonly retryMs?: number;
}

/**
 * Watches the confirmation key. Confirmations go through etcd, so etcd's access control decides who may confirm
 * (write access to that one key), not whoever can reach the admin port. Each write of the key is one confirmation;
 * the leader consumes it by deleting it (only if unchanged), so a restart never confirms again what was already
 * applied, and `confirm-removal` writes it on a lease, so one nobody applied does not wait for the next accident.
 */
export class ConfirmationWatch {
  private watcher: Watcher | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  /** The newest confirmation seen and not yet consumed. */
  private pending: { readonly record: ConfirmationRecord; readonly modRevision: string } | undefined;

  constructor(
    private readonly options: ConfirmationWatchOptions,
    /** Told of each new confirmation; returns whether it was applied (only the leader applies). */
    private readonly apply: (record: ConfirmationRecord) => boolean,
    /** The leader's campaign key, guarding the delete (undefined: election off). */
    private readonly guardKey: () => string | undefined,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  private get key(): string {
    return confirmationKey(this.options.statePrefix);
  }

  /** Reads the key (a confirmation may have been written while no daemon ran) and watches it. */
  async start(): Promise<void> {
    await this.readAndWatch();
  }

  /** Applies a confirmation that is waiting, e.g. when this replica has just become the leader. */
  retry(): void {
    if (this.pending) void this.offer(this.pending.record, this.pending.modRevision);
  }

  /** Stops watching. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const w = this.watcher;
    this.watcher = undefined;
    if (w) {
      w.removeAllListeners();
      w.on('error', () => undefined);
      w.cancel().catch(() => undefined);
    }
  }

  private async readAndWatch(): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await this.options.client.kv.range({ key: Buffer.from(this.key) });
      const kv = res.kvs[0];
      if (kv) this.seen(kv);
      const w = this.options.client
        .watch()
        .key(this.key)
        .startRevision((BigInt(res.header.revision) + 1n).toString())
        .watcher();
      this.watcher = w;
      w.on('put', (kv: IKeyValue) => this.seen(kv));
      w.on('delete', () => (this.pending = undefined));
      // Level-triggered like the tree: on any trouble, read the key again and watch anew.
      const again = (): void => {
        if (this.watcher !== w) return;
        this.watcher = undefined;
        w.removeAllListeners();
        w.on('error', () => undefined);
        this.schedule();
      };
      w.on('error', again);
      w.on('disconnected', again);
    } catch (e) {
      this.logger.debug('reading the confirmation key failed, retrying', {
        error: e instanceof Error ? e.message : String(e),
      });
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.readAndWatch(), this.options.retryMs ?? 1000);
  }

  private seen(kv: IKeyValue): void {
    const modRevision = kv.mod_revision;
    if (this.pending?.modRevision === modRevision) return;
    const decoded = decodeConfirmation(kv.value.toString('utf8'));
    if ('error' in decoded) {
      this.logger.warn('confirmation key ignored', { key: this.key, error: decoded.error });
      return;
    }
    this.pending = { record: decoded, modRevision };
    void this.offer(decoded, modRevision);
  }

  private async offer(record: ConfirmationRecord, modRevision: string): Promise<void> {
    if (!this.apply(record)) return;
    this.pending = undefined;
    try {
      let cmp = this.options.client.if(this.key, 'Mod', '==', modRevision);
      const guard = this.guardKey();
      if (guard) cmp = cmp.and(guard, 'Create', '>', 0);
      await cmp.then(this.options.client.delete().key(this.key)).commit();
    } catch (e) {
      this.logger.warn('could not consume the confirmation key', {
        key: this.key,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
}
