import type { Etcd3, Lease } from 'etcd3';
import { backoffDelay } from '../util/backoff.js';
import { silentLogger, type Logger } from '../util/log.js';

/** Options of {@link Announcer}. */
export interface AnnouncerOptions {
  readonly client: Etcd3;
  readonly key: string;
  /** @default '' (what the original lbManager's hooks put) */
  readonly value?: string;
  /** Seconds a key outlives its holder (a crashed host, a SIGKILL). @default 10 */
  readonly ttl?: number;
  readonly logger?: Logger;
}

/**
 * Holds one key on a lease and keeps it alive. When the lease is lost (etcd unreachable for longer than the TTL, so
 * the key expired and the daemon withdrew the member), it grants a new lease and puts the key again as soon as etcd
 * answers: a member that is still running must come back by itself.
 */
export class Announcer {
  private lease: Lease | undefined;
  private stopped = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private firstPut: (() => void) | undefined;
  /** Resolves when the key has been put the first time. */
  readonly announced: Promise<void>;
  private readonly logger: Logger;
  private readonly ttl: number;

  constructor(private readonly options: AnnouncerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.ttl = options.ttl ?? 10;
    this.announced = new Promise((resolve) => (this.firstPut = resolve));
  }

  /** Starts announcing; retries in the background until the key is put. */
  start(): void {
    void this.acquire();
  }

  private async acquire(): Promise<void> {
    if (this.stopped) return;
    const lease = this.options.client.lease(this.ttl);
    this.lease = lease;
    lease.on('lost', (e: Error) => {
      if (this.stopped || this.lease !== lease) return;
      this.logger.warn('lease lost: the key expired; announcing again', { key: this.options.key, error: e.message });
      this.retry();
    });
    try {
      await lease.put(this.options.key).value(this.options.value ?? '');
      if (this.stopped || this.lease !== lease) return;
      this.failures = 0;
      this.logger.info('announced', { key: this.options.key, ttl: this.ttl, lease: (await lease.grant()).toString() });
      this.firstPut?.();
    } catch (e) {
      if (this.stopped || this.lease !== lease) return;
      this.logger.warn('cannot announce yet, retrying', {
        key: this.options.key,
        error: e instanceof Error ? e.message : String(e),
      });
      lease.release();
      this.retry();
    }
  }

  private retry(): void {
    if (this.stopped || this.retryTimer) return;
    this.lease = undefined;
    const delay = backoffDelay(++this.failures, {
      baseMs: 500,
      maxMs: Math.max(1000, (this.ttl * 1000) / 2),
      jitter: 0.2,
    });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.acquire();
    }, delay);
  }

  /**
   * Withdraws the key: revokes the lease, which deletes it. When etcd cannot be reached in `timeoutMs`, the key still
   * expires after the TTL. Resolves true when the key was deleted.
   */
  async stop(timeoutMs = 5000): Promise<boolean> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      const revoked = await Promise.race([lease.revoke().then(() => true as const), timeout]);
      if (revoked) this.logger.info('withdrawn', { key: this.options.key });
      else
        this.logger.warn('etcd did not answer; the key expires after the TTL', {
          key: this.options.key,
          ttl: this.ttl,
        });
      return revoked;
    } catch (e) {
      this.logger.warn('could not revoke the lease; the key expires after the TTL', {
        key: this.options.key,
        ttl: this.ttl,
        error: e instanceof Error ? e.message : String(e),
      });
      return false;
    } finally {
      clearTimeout(timer);
      lease.release();
    }
  }
}
