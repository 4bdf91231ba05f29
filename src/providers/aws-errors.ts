import { decodeRoute53Name } from '../util/dns-name.js';
import { deadlineError } from './call-deadline.js';
import { AwsCallError, type AwsErrorCategory } from './types.js';

const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'PriorRequestNotComplete',
  'TooManyRequestsException',
  'DependencyThrottle',
  'DependencyThrottleException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NOT_FOUND = new Set([
  'LoadBalancerNotFound',
  'AccessPointNotFoundException',
  'TargetGroupNotFound',
  'TargetGroupNotFoundException',
  'NoSuchHostedZone',
]);

const INVALID_MEMBER = new Set([
  'InvalidInstance',
  'InvalidEndPointException',
  'InvalidTarget',
  'InvalidTargetException',
  'InvalidChangeBatch',
]);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** The members an error message names, in the forms lbmanager uses (instance ids, targets, `name/type`). */
export function offendersOf(code: string, message: string): string[] {
  if (code === 'InvalidTarget' || code === 'InvalidTargetException') {
    return [...message.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
  }
  if (code === 'InvalidInstance' || code === 'InvalidEndPointException') {
    return [...new Set([...message.matchAll(/\bi-[0-9a-f]{8,17}\b/g)].map((m) => m[0]))];
  }
  if (code === 'InvalidChangeBatch') {
    return [...message.matchAll(/name='([^']+)', type='([A-Z]+)'/g)].map(
      (m) => `${decodeRoute53Name(m[1] as string)}/${m[2] as string}`,
    );
  }
  return [];
}

/**
 * Turns whatever an AWS SDK v3 call threw into an AwsCallError with a category the reconciler acts on: retry
 * (throttling, 5xx, network), not-found (the load balancer, group or zone), invalid-member (split the batch), other.
 * Route53's InvalidChangeBatch also covers a stale read ("values do not match"); the reconciler tells the two apart.
 */
export function classifyAwsError(err: unknown): AwsCallError {
  if (err instanceof AwsCallError) return err;
  // Cancelled because its reconcile ran out of time: that, not the AbortError, is what happened.
  const late = deadlineError(err);
  if (late) return late;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code =
    e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? (status ? `HTTP${status}` : 'Error');
  const message = e.message ?? code;
  let category: AwsErrorCategory;
  if (NOT_FOUND.has(code)) category = 'not-found';
  else if (INVALID_MEMBER.has(code)) category = 'invalid-member';
  else if (
    RETRYABLE.has(code) ||
    NETWORK.has(e.code ?? '') ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    e.$retryable !== undefined
  ) {
    category = 'retryable';
  } else category = 'other';
  return new AwsCallError(category, code, message, offendersOf(code, message), { cause: err });
}
