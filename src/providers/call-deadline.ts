import { AsyncLocalStorage } from 'node:async_hooks';
import { AwsCallError } from './types.js';

interface Deadline {
  readonly signal: AbortSignal;
  /** Why the calls were cancelled, once they were. */
  readonly reason: string;
}

// The deadline of the reconcile an AWS call belongs to: every SDK call made inside `withDeadline` passes its signal
// to the SDK, which aborts the HTTP request (and stops retrying) when the deadline is reached.
const current = new AsyncLocalStorage<Deadline>();

/** The abort signal of the reconcile running now, if any. */
export function currentDeadline(): AbortSignal | undefined {
  return current.getStore()?.signal;
}

/** The error a call cancelled by its reconcile's deadline stands for, or undefined when no deadline passed. */
export function deadlineError(cause: unknown): AwsCallError | undefined {
  const d = current.getStore();
  if (!d?.signal.aborted) return undefined;
  return new AwsCallError('retryable', 'ReconcileTimeout', d.reason, [], { cause });
}

/**
 * Runs `work` with a deadline: the AWS calls it makes are aborted once `ms` have passed, and it then fails with a
 * retryable `ReconcileTimeout`, so a call that hangs holds only its own target, and only that long. 0: no deadline.
 */
export async function withDeadline<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  if (ms <= 0) return work();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  timer.unref();
  const reason = `${what} took longer than ${ms / 1000} s (--reconcile-timeout); its AWS calls were cancelled`;
  try {
    return await current.run({ signal: controller.signal, reason }, work);
  } catch (e) {
    if (!controller.signal.aborted || (e instanceof AwsCallError && e.code === 'ReconcileTimeout')) throw e;
    throw new AwsCallError('retryable', 'ReconcileTimeout', reason, [], { cause: e });
  } finally {
    clearTimeout(timer);
  }
}
