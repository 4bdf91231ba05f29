import { systemClock, type Clock, type TimerHandle } from '../util/clock.js';
import { addBeforeSigning } from './sdk-middleware.js';
import { TokenBucket } from '../util/token-bucket.js';

/**
 * Route53's limits as its developer guide describes them ("Throttling for Amazon Route 53 API requests",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html): every request of the
 * account takes a token from one request bucket (capacity 50, refill 10 a second; the per-operation buckets of the
 * two operations lbmanager calls are no smaller, so the account bucket is the one that binds), and every record change
 * takes a token from a separate change-throughput bucket.
 */
export interface Route53ThrottleOptions {
  /** Requests a second refilled into the account's request bucket; 0 for no limit. @default 10 */
  readonly requestRate?: number;
  /** The request bucket's capacity. @default 50 */
  readonly requestBurst?: number;
  /** Record changes a second refilled into the change bucket; 0 for no limit. @default DEFAULT_CHANGE_RATE */
  readonly changeRate?: number;
  /** The change bucket's capacity. @default DEFAULT_CHANGE_BURST */
  readonly changeBurst?: number;
  /** @default the system clock */
  readonly clock?: Clock;
}

/** The request bucket as the guide gives it. */
export const DEFAULT_REQUEST_RATE = 10;
export const DEFAULT_REQUEST_BURST = 50;
/**
 * The change bucket. Its figures could not be read from the guide's page here (our stored copy ends before them);
 * these are cautious (a full bucket takes the largest legal batch, 1,000 records), the same as lbmanager fake-aws
 * enforces, and --route53-change-rps changes the refill.
 */
export const DEFAULT_CHANGE_RATE = 100;
export const DEFAULT_CHANGE_BURST = 1000;

/** Who is asking: a read or write of a reconcile goes before a listing started ahead of time. */
export type Route53Priority = 'now' | 'ahead';

interface Waiter {
  readonly changes: number;
  readonly resolve: () => void;
}

/** Changes of a ChangeResourceRecordSets input, as the change bucket counts them: an UPSERT is a DELETE and a CREATE. */
export function changeCount(input: unknown): number {
  const changes = (input as { ChangeBatch?: { Changes?: Array<{ Action?: string }> } } | undefined)?.ChangeBatch
    ?.Changes;
  if (!Array.isArray(changes)) return 0;
  return changes.reduce((n, c) => n + (c.Action === 'UPSERT' ? 2 : 1), 0);
}

/**
 * Paces Route53 requests client-side so that Route53's own buckets are never emptied: each request waits (before it
 * is signed, so a long wait never makes a stale signature) until the request bucket, and for a change the change
 * bucket, hold enough tokens. Waiters are served in order, reconciles' requests before listings made ahead of time.
 */
export class Route53Throttle {
  private readonly requests: TokenBucket;
  private readonly changes: TokenBucket;
  private readonly clock: Clock;
  private readonly queues: Record<Route53Priority, Waiter[]> = { now: [], ahead: [] };
  private timer: TimerHandle = undefined;

  constructor(options: Route53ThrottleOptions = {}) {
    this.clock = options.clock ?? systemClock;
    const now = (): number => this.clock.now();
    this.requests = new TokenBucket(
      options.requestBurst ?? DEFAULT_REQUEST_BURST,
      options.requestRate ?? DEFAULT_REQUEST_RATE,
      now,
    );
    this.changes = new TokenBucket(
      options.changeBurst ?? DEFAULT_CHANGE_BURST,
      options.changeRate ?? DEFAULT_CHANGE_RATE,
      now,
    );
  }

  /** Resolves when a request making `changes` record changes may be sent. */
  acquire(changes = 0, priority: Route53Priority = 'now'): Promise<void> {
    return new Promise((resolve) => {
      this.queues[priority].push({ changes, resolve });
      this.pump();
    });
  }

  /** Adds the throttle to a Route53 client: every attempt (retries and pages too) waits for its tokens. */
  attach(client: { middlewareStack: unknown }, priorityOf: () => Route53Priority = () => 'now'): void {
    addBeforeSigning(client, 'lbmanagerRoute53Throttle', (next, context) => async (args) => {
      const changes = context.commandName === 'ChangeResourceRecordSetsCommand' ? changeCount(argsInput(args)) : 0;
      await this.acquire(changes, priorityOf());
      return next(args);
    });
  }

  private pump(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (;;) {
      const queue = this.queues.now.length > 0 ? this.queues.now : this.queues.ahead;
      const head = queue[0];
      if (!head) return;
      const wait = Math.max(this.requests.waitMs(1), this.changes.waitMs(head.changes));
      if (wait > 0) {
        this.timer = this.clock.setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, wait);
        return;
      }
      queue.shift();
      this.requests.take(1);
      this.changes.take(head.changes);
      head.resolve();
    }
  }
}

function argsInput(args: unknown): unknown {
  return (args as { input?: unknown }).input;
}
