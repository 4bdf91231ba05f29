/** Exponential backoff settings. */
export interface BackoffOptions {
  /** Delay after the first failure. @default 1000 */
  readonly baseMs: number;
  /** Upper bound of the delay. @default 300000 (5 minutes) */
  readonly maxMs: number;
  /** Fraction of the delay taken off at random, so targets that failed together do not retry together. @default 0.2 */
  readonly jitter: number;
}

/** 1 s doubling, capped at 5 min (docs/architecture.md, The flow). */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 300_000, jitter: 0.2 };

/** The delay before retry number `failures` (1 = after the first failure): base doubling, capped, minus jitter. */
export function backoffDelay(
  failures: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const capped = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(capped * (1 - options.jitter * random()));
}
