// The logger's types, levels and the silent logger, apart from winston: the flag tables, every module that takes a
// logger, and so every CLI start, need not load it.

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `json` for machines (default when stdout is not a TTY), `text` for people. */
export type LogFormat = 'json' | 'text';

/** The structured logger every module takes; winston's Logger satisfies it. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};

/** A logger whose lines wait, in order, for the real one to load; {@link DeferredLogger.flushed} waits for them all. */
export interface DeferredLogger extends Logger {
  /** Resolves when every line logged so far has been written to the real logger. */
  flushed(): Promise<void>;
}

/** Logs through `loading` once it resolves, so a command can start its work while the logging library loads. */
export function deferredLogger(loading: Promise<Logger>): DeferredLogger {
  let chain: Promise<unknown> = loading;
  const line =
    (level: keyof Logger) =>
    (message: string, meta?: Record<string, unknown>): void => {
      chain = chain.then(() => loading.then((l) => l[level](message, meta)));
    };
  return {
    error: line('error'),
    warn: line('warn'),
    info: line('info'),
    debug: line('debug'),
    flushed: () => chain.then(() => undefined),
  };
}
