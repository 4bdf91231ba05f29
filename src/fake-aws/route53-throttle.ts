import { TokenBucket, type NowMs } from '../util/token-bucket.js';

// Route53's throttling, as the developer guide page "Throttling for Amazon Route 53 API requests" describes it
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/throttling-api-requests.html): two independent limits,
// each a token bucket with a maximum capacity (the burst) and a refill rate per second (the sustained rate).
// - Request rate, at two levels: one account bucket for every Route53 request (50, refilling 10 a second), and one
//   bucket per API operation; "requests consume tokens from both buckets and get throttled if either bucket is empty".
// - Change throughput: individual DNS record changes, aggregated across the APIs that modify DNS data.
// A throttled request gets HTTP 400, Code `Throttling`, Message `Rate exceeded`.

/** A bucket's two figures. */
export interface BucketFigures {
  /** Maximum tokens: the burst. */
  readonly burst: number;
  /** Tokens added a second: the sustained rate. */
  readonly rate: number;
}

/** The page's account-level request bucket. */
export const ROUTE53_ACCOUNT_BUCKET: BucketFigures = { burst: 50, rate: 10 };

/** The page's figures for "any API operation not listed below". */
export const ROUTE53_DEFAULT_OPERATION_BUCKET: BucketFigures = { burst: 50, rate: 10 };

/**
 * The page's per-operation table, for the operations the fake serves that it lists with other figures; the others it
 * serves (GetHostedZone, ListHostedZones, ListResourceRecordSets, ChangeResourceRecordSets, GetChange) are not listed,
 * so they get the default bucket.
 */
export const ROUTE53_OPERATION_BUCKETS: Readonly<Record<string, BucketFigures>> = {
  CreateHostedZone: { burst: 40, rate: 2 },
  DeleteHostedZone: { burst: 40, rate: 5 },
};

/**
 * The change-throughput bucket. The stored copy of the page that this fake was written from cut off before the
 * change-throughput figures, so these are the fake's own choice, adjustable with `--route53-change-burst` and
 * `--route53-change-rate`: a burst of 1,000 changes, so that any batch within Route53's per-request limit (1,000
 * ResourceRecord elements, an UPSERT counting double) passes on a full bucket, and 100 changes a second.
 */
export const ROUTE53_CHANGE_BUCKET: BucketFigures = { burst: 1000, rate: 100 };

/**
 * How many changes an UPSERT counts. Also not readable from the stored copy of the page: 2, as Route53 counts an
 * UPSERT twice against its per-request limits (a delete and a create; see "Maximums on API requests" in
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html). `--route53-upsert-changes 1` counts
 * it once.
 */
export const ROUTE53_UPSERT_CHANGES = 2;

/** The figures a {@link Route53Throttle} applies; see `Faults` for what each one means to a user. */
export interface Route53ThrottleConfig {
  /** Account bucket refill; 0 turns every Route53 bucket off. */
  readonly accountRate: number;
  readonly accountBurst: number;
  /** Whether the per-operation buckets apply. */
  readonly operationBuckets: boolean;
  /** Change bucket refill; 0 turns the change bucket off. */
  readonly changeRate: number;
  readonly changeBurst: number;
  /** Changes counted for one UPSERT. */
  readonly upsertChanges: number;
}

/** Route53's buckets for one account (the fake serves one account). */
export class Route53Throttle {
  private readonly account: TokenBucket;
  private readonly change: TokenBucket;
  private readonly operations = new Map<string, TokenBucket>();

  constructor(
    private config: Route53ThrottleConfig,
    private readonly clock: NowMs = Date.now,
  ) {
    this.account = new TokenBucket(config.accountBurst, config.accountRate, clock);
    this.change = new TokenBucket(config.changeBurst, config.changeRate, clock);
  }

  /** Applies new figures; tokens already in the buckets stay (see {@link TokenBucket.configure}). */
  configure(config: Route53ThrottleConfig): void {
    this.config = config;
    this.account.configure(config.accountBurst, config.accountRate);
    this.change.configure(config.changeBurst, config.changeRate);
  }

  /** Fills every bucket, as for a new account. */
  fill(): void {
    this.account.fill();
    this.change.fill();
    for (const b of this.operations.values()) b.fill();
  }

  /**
   * Admits one request of an operation: takes a token from the account bucket and one from the operation's bucket,
   * both or neither (a throttled request does not drain the other bucket).
   */
  admitRequest(operation: string): boolean {
    if (this.config.accountRate <= 0) return true;
    const op = this.config.operationBuckets ? this.operationBucket(operation) : undefined;
    if (!this.account.has(1) || (op && !op.has(1))) return false;
    this.account.tryTake(1);
    op?.tryTake(1);
    return true;
  }

  /** The changes a batch counts against the change bucket. */
  changeCost(actions: readonly string[]): number {
    return actions.reduce((n, a) => n + (a === 'UPSERT' ? this.config.upsertChanges : 1), 0);
  }

  /** Admits a batch of changes (by action): takes its cost from the change bucket, or nothing when it is short. */
  admitChanges(actions: readonly string[]): boolean {
    if (this.config.accountRate <= 0 || !this.change.limited) return true;
    return this.change.tryTake(this.changeCost(actions));
  }

  private operationBucket(operation: string): TokenBucket {
    let b = this.operations.get(operation);
    if (!b) {
      const f = ROUTE53_OPERATION_BUCKETS[operation] ?? ROUTE53_DEFAULT_OPERATION_BUCKET;
      b = new TokenBucket(f.burst, f.rate, this.clock);
      this.operations.set(operation, b);
    }
    return b;
  }
}
