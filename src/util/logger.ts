import winston from 'winston';
import { escapeControlChars, escapeRawJsonControls } from './control-chars.js';
import { maskDeep } from './mask-url.js';
import type { LogFormat, LogLevel } from './log.js';

export { LOG_LEVELS, silentLogger, type Logger, type LogFormat, type LogLevel } from './log.js';

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

// Copies, not edits: nested meta values are the caller's own objects (a config's endpoint list, say).
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    info[key] = SECRET_KEYS.test(key) ? '[redacted]' : maskDeep(info[key]);
  }
  return info;
});

// winston's final line (triple-beam's MESSAGE symbol).
const MESSAGE = Symbol.for('message');

const safeJsonLine = winston.format((info) => {
  const line = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = escapeRawJsonControls(line);
  return info;
});

const stringify = (v: unknown): string =>
  typeof v === 'string' || typeof v === 'bigint'
    ? String(v)
    : String(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

// Keys, values and the message may hold what a user wrote (etcd keys): escaped so they cannot end the line.
const textLine = winston.format.printf((info) => {
  const { level, message, timestamp, ...meta } = info;
  const rest = Object.entries(meta)
    .map(([k, v]) => `${escapeControlChars(k)}=${escapeControlChars(stringify(v))}`)
    .join(' ');
  return `${String(timestamp)} ${level} ${escapeControlChars(stringify(message))}${rest ? ' ' + rest : ''}`;
});

/**
 * Creates the winston logger: JSON lines when not on a TTY, readable text otherwise; secrets redacted, passwords in
 * URLs masked, control characters escaped.
 */
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
      format === 'json'
        ? winston.format.combine(winston.format.json(), safeJsonLine())
        : winston.format.combine(winston.format.colorize(), textLine),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
}
