import winston from 'winston';

/** The structured logger every module takes; winston's Logger satisfies it. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

/** Log levels accepted by `--log-level`. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `json` for machines (default when stdout is not a TTY), `text` for people. */
export type LogFormat = 'json' | 'text';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** @default 'info' */
  level?: LogLevel;
  /** @default 'json' when stdout is not a TTY, else 'text' */
  format?: LogFormat;
  /** Added to every line, e.g. `{ identity }`. */
  defaultMeta?: Record<string, unknown>;
  /** @default process.stdout */
  stream?: NodeJS.WritableStream;
}

// Keys that must never reach a log line, whatever a caller passes in meta.
const SECRET_KEYS = /^(password|secret|token|authorization|aws_?secret.*|secretaccesskey|sessiontoken|etcdpassword)$/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

const textLine = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info;
  const rest = Object.entries(meta)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${String(message)}${rest ? ' ' + rest : ''}`;
});

/** Creates the winston logger: JSON lines when not on a TTY, readable text otherwise; secrets redacted. */
export function createLogger(options: LoggerOptions = {}): winston.Logger {
  const stream = options.stream ?? process.stdout;
  const isTty = (stream as NodeJS.WriteStream).isTTY === true;
  const format = options.format ?? (isTty ? 'text' : 'json');
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaultMeta,
    format: winston.format.combine(
      redact(),
      winston.format.timestamp(),
      format === 'json' ? winston.format.json() : winston.format.combine(winston.format.colorize(), textLine),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
