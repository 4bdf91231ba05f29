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

interface RelativeStack {
  addRelativeTo(
    middleware: AttemptMiddleware,
    options: { relation: 'before'; toMiddleware: string; name: string },
  ): void;
}

/**
 * Adds a middleware that runs once per HTTP attempt, after the SDK's retry logic and before the request is signed:
 * time spent in it (waiting for a rate limit) never ages a signature.
 */
export function addBeforeSigning(
  client: { middlewareStack: unknown },
  name: string,
  middleware: AttemptMiddleware,
): void {
  (client.middlewareStack as RelativeStack).addRelativeTo(middleware, {
    relation: 'before',
    toMiddleware: 'httpSigningMiddleware',
    name,
  });
}
