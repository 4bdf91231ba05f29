import { AwsCallError } from '../providers/types.js';

/** The outcome of applying a batch while isolating the members AWS rejects. */
export interface IsolationResult<T> {
  readonly applied: T[];
  readonly rejected: Array<{ readonly item: T; readonly error: AwsCallError }>;
}

/**
 * Applies a batch with one call; when AWS rejects the whole call because of some members (`invalid-member`), takes out
 * the members the error names, or else splits the batch in halves, until the offenders are found and the rest applied.
 * Any other error, or one `isNotMemberFault` recognises, is thrown: the caller retries the whole reconcile.
 */
export async function applyIsolating<T>(
  items: readonly T[],
  nameOf: (item: T) => string,
  call: (items: readonly T[]) => Promise<void>,
  isNotMemberFault: (error: AwsCallError) => boolean = () => false,
): Promise<IsolationResult<T>> {
  if (items.length === 0) return { applied: [], rejected: [] };
  try {
    await call(items);
    return { applied: [...items], rejected: [] };
  } catch (error) {
    if (!(error instanceof AwsCallError) || error.category !== 'invalid-member' || isNotMemberFault(error)) throw error;
    if (items.length === 1) return { applied: [], rejected: [{ item: items[0] as T, error }] };
    const named = new Set(error.offenders);
    const offenders = items.filter((i) => named.has(nameOf(i)));
    if (offenders.length > 0) {
      const rest = await applyIsolating(
        items.filter((i) => !named.has(nameOf(i))),
        nameOf,
        call,
        isNotMemberFault,
      );
      return { applied: rest.applied, rejected: [...offenders.map((item) => ({ item, error })), ...rest.rejected] };
    }
    const mid = Math.ceil(items.length / 2);
    const left = await applyIsolating(items.slice(0, mid), nameOf, call, isNotMemberFault);
    const right = await applyIsolating(items.slice(mid), nameOf, call, isNotMemberFault);
    return { applied: [...left.applied, ...right.applied], rejected: [...left.rejected, ...right.rejected] };
  }
}
