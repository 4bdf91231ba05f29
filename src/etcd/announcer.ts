import { backoffDelay } from '../util/backoff.js';
import { silentLogger, type Logger } from '../util/log.js';

/** The etcd calls an {@link Announcer} makes (EtcdGateway has them). */
export interface LeaseStore {
  /** Grants a lease of `ttl` seconds; returns its id. */
  leaseGrant(ttl: number): Promise<string>;
  /** Renews a lease; resolves to the seconds it has left, 0 when it is gone. */
  leaseKeepAlive(id: string): Promise<number>;
  /** Revokes a lease and so deletes its keys. */
  leaseRevoke(id: string): Promise<void>;
  /** Puts a key on a lease. */
  put(key: string, value: string, lease: string): Promise<void>;
}

/** Options of {@link Announcer}. */
export interface AnnouncerOptions {
  readonly store: LeaseStore;
  readonly key: string;
  /** @default '' (what the original lbManager's hooks put) */
  readonly value?: string;
  /** Seconds a key outlives its holder (a crashed host, a SIGKILL). @default 10 */
  readonly ttl?: number;
  readonly logger?: Logger;
}

/**
 * Holds one key on a lease and keeps it alive. When the lease is lost (revoked by someone, or etcd unreachable for
 * longer than the TTL, so the key expired and the daemon withdrew the member), it grants a new lease and puts the key
 * again as soon as etcd answers: a member that is still running must come back by itself.
 */
export class Announcer {
  private lease: string | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private firstPut: (() => void) | undefined;
  /** Resolves when the key has been put the first time. */
  readonly announced: Promise<void>;
  private readonly logger: Logger;
  private readonly ttl: number;
  private readonly store: LeaseStore;

  constructor(private readonly options: AnnouncerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.ttl = options.ttl ?? 10;
    this.store = options.store;
    this.announced = new Promise((resolve) => (this.firstPut = resolve));
  }

  /** Starts announcing; retries in the background until the key is put. */
  start(): void {
    void this.acquire();
  }

  private async acquire(): Promise<void> {
    if (this.stopped) return;
    let lease: string | undefined;
    try {
      lease = await this.store.leaseGrant(this.ttl);
      if (this.stopped) {
        await this.store.leaseRevoke(lease).catch(() => undefined);
        return;
      }
      this.lease = lease;
      await this.store.put(this.options.key, this.options.value ?? '', lease);
      if (this.stopped) return;
      this.failures = 0;
      this.logger.info('announced', { key: this.options.key, ttl: this.ttl, lease });
      this.firstPut?.();
      this.schedule(this.keepAliveMs(), () => this.keepAlive());
    } catch (e) {
      if (this.stopped) return;
      this.lease = undefined;
      if (lease) void this.store.leaseRevoke(lease).catch(() => undefined);
      this.logger.warn('cannot announce yet, retrying', { key: this.options.key, error: errorText(e) });
      this.schedule(this.retryMs(), () => this.acquire());
    }
  }

  // A third of the TTL, as etcd's own clients do: two renewals can fail before the key expires.
  private keepAliveMs(): number {
    return Math.max(500, (this.ttl * 1000) / 3);
  }

  private retryMs(): number {
    return backoffDelay(++this.failures, { baseMs: 500, maxMs: Math.max(1000, (this.ttl * 1000) / 2), jitter: 0.2 });
  }

  private async keepAlive(): Promise<void> {
    const lease = this.lease;
    if (this.stopped || lease === undefined) return;
    try {
      const left = await this.store.leaseKeepAlive(lease);
      if (this.stopped || this.lease !== lease) return;
      if (left > 0) {
        this.failures = 0;
        this.schedule(this.keepAliveMs(), () => this.keepAlive());
        return;
      }
      this.logger.warn('lease lost: the key expired or was revoked; announcing again', {
        key: this.options.key,
        lease,
      });
      this.lease = undefined;
      void this.acquire();
    } catch (e) {
      if (this.stopped || this.lease !== lease) return;
      // etcd unreachable: keep renewing; once it answers, a lease that expired meanwhile is replaced (above).
      this.logger.warn('cannot renew the lease, retrying', { key: this.options.key, error: errorText(e) });
      this.schedule(Math.min(this.retryMs(), this.keepAliveMs()), () => this.keepAlive());
    }
  }

  private schedule(ms: number, then: () => Promise<void>): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void then();
    }, ms);
  }

  /**
   * Withdraws the key: revokes the lease, which deletes it. When etcd cannot be reached in `timeoutMs`, the key still
   * expires after the TTL. Resolves true when the key was deleted.
   */
  async stop(timeoutMs = 5000): Promise<boolean> {
    this.stopped = true;
    clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      const revoked = await Promise.race([this.store.leaseRevoke(lease).then(() => true as const), timeout]);
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
        error: errorText(e),
      });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
