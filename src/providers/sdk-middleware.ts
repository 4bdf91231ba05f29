/** A finalizeRequest middleware: runs once per HTTP attempt, after the SDK's retry logic. */
export type AttemptMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { commandName?: string; clientName?: string },
) => (args: unknown) => Promise<unknown>;

interface LooseStack {
  add(middleware: AttemptMiddleware, options: { step: 'finalizeRequest'; name: string; priority: 'low' }): void;
}

/**
 * Adds a middleware to any AWS SDK v3 client at the finalizeRequest step (so each retry attempt passes through it).
 * The SDK's generic middleware types differ per client; the shape used here is the same for all of them.
 */
export function addAttemptMiddleware(
  client: { middlewareStack: unknown },
  name: string,
  middleware: AttemptMiddleware,
): void {
  (client.middlewareStack as LooseStack).add(middleware, { step: 'finalizeRequest', name, priority: 'low' });
}
