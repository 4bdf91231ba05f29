import PQueue from 'p-queue';
import { addAttemptMiddleware } from './sdk-middleware.js';

/**
 * Limits Route53 requests client-side to `rps` per second across every zone and region (Route53 allows about 5 requests
 * per second per account); 0 means unlimited. It sits in the SDK's finalizeRequest step, after the retry middleware, so
 * every HTTP attempt, every page of a listing and every retry takes a token.
 */
export class Route53RateLimiter {
  private readonly queue: PQueue | undefined;

  constructor(rps: number) {
    this.queue =
      rps > 0
        ? new PQueue({ intervalCap: Math.max(1, Math.floor(rps)), interval: 1000, carryoverIntervalCount: true })
        : undefined;
  }

  /** Runs one request when the limit allows it. */
  run<T>(request: () => Promise<T>): Promise<T> {
    return this.queue ? this.queue.add(request) : request();
  }

  /** Adds the limiter to an SDK client (a Route53Client). */
  attach(client: { middlewareStack: unknown }): void {
    addAttemptMiddleware(client, 'lbmanagerRoute53RateLimit', (next) => (args) => this.run(() => next(args)));
  }
}
