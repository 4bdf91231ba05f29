import { InvalidArgumentError, Option, type Command } from 'commander';
import { hasUrlCredentials, maskUrlCredentials } from '../util/mask-url.js';

/** A bad flag or variable value; the CLI prints it and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One flag of a command, readable from `LBM_<NAME>` too (the flag wins). */
export interface FlagDef<T = unknown> {
  /** Commander flag syntax, e.g. `--route53-ttl <seconds>` or `--dry-run`. */
  readonly flags: string;
  readonly description: string;
  /** Parses and validates a value; throws an Error whose message says what is accepted. Booleans get 'true'/'false'. */
  readonly parse: (value: string) => T;
  readonly default?: T;
  /** Shown in --help instead of the default value. */
  readonly defaultDescription?: string;
  /** Not read from the environment (aliases, whose canonical flag has the variable). */
  readonly noEnv?: boolean;
  /** A secret: a bad value is never echoed in an error. */
  readonly secret?: boolean;
}

/** The long name of a flag without dashes: `--route53-ttl <s>` -> `route53-ttl`. */
export function flagName(def: FlagDef): string {
  const m = /--([a-z0-9-]+)/.exec(def.flags);
  if (!m?.[1]) throw new Error(`bad flag definition ${def.flags}`);
  return m[1];
}

/** The environment variable of a flag: upper case, `LBM_` prefix, dashes to underscores. */
export function envName(def: FlagDef): string {
  return `LBM_${flagName(def).toUpperCase().replace(/-/g, '_')}`;
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

// Commander stores `--no-foo` as foo=false (and foo=true by default).
const isNegated = (def: FlagDef): boolean => flagName(def).startsWith('no-');

function attributeName(def: FlagDef): string {
  return camel(isNegated(def) ? flagName(def).slice(3) : flagName(def));
}

const isBoolean = (def: FlagDef): boolean => !def.flags.includes('<');

/** Adds flag definitions to a commander command; values are validated by each flag's parser. */
export function addFlags(cmd: Command, defs: readonly FlagDef[]): Command {
  for (const def of defs) {
    const env = def.noEnv ? '' : ` [env ${envName(def)}]`;
    const opt = new Option(def.flags, def.description + env);
    if (!isBoolean(def)) {
      opt.argParser((value: string) => {
        try {
          return def.parse(value);
        } catch (e) {
          throw new InvalidArgumentError((e as Error).message);
        }
      });
    }
    if (def.defaultDescription !== undefined) opt.default(undefined, def.defaultDescription);
    else if ((typeof def.default === 'string' || typeof def.default === 'number') && !isBoolean(def)) {
      opt.default(undefined, String(def.default));
    }
    cmd.addOption(opt);
  }
  return cmd;
}

/**
 * The value of every flag: the command line first, then `LBM_*` variables (validated the same way, the error naming
 * the variable), then the default. Keys are the flags' long names (`route53-ttl`).
 */
export function resolveFlags(
  cmd: Command,
  defs: readonly FlagDef[],
  env: NodeJS.ProcessEnv = process.env,
): Map<string, unknown> {
  const values = new Map<string, unknown>();
  const given = cmd.opts<Record<string, unknown>>();
  for (const def of defs) {
    const name = flagName(def);
    const raw0 = given[attributeName(def)];
    // For `--no-foo` the value kept is "was --no-foo given": true when commander says foo=false.
    const fromCli = isNegated(def) ? (raw0 === false ? true : undefined) : raw0;
    if (fromCli !== undefined) {
      values.set(name, fromCli);
      continue;
    }
    const raw = def.noEnv ? undefined : env[envName(def)];
    if (raw !== undefined && raw !== '') {
      try {
        values.set(name, isBoolean(def) ? parseBoolean(raw) : def.parse(raw));
      } catch (e) {
        const shown = def.secret ? '' : `=${truncate(raw)}`;
        throw new UsageError(`${envName(def)}${shown}: ${(e as Error).message}`);
      }
      continue;
    }
    if (def.default !== undefined) values.set(name, def.default);
  }
  return values;
}

// Masked before it is cut: a cut could leave a password without the `@` that marks it.
function truncate(s: string): string {
  const m = maskUrlCredentials(s);
  return m.length > 64 ? `${m.slice(0, 64)}…` : m;
}

/** Parses `true/false/1/0/yes/no/on/off`. */
export function parseBoolean(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new Error(`expected true or false, got "${truncate(value)}"`);
}

/** A parser of whole numbers within bounds. */
export function intIn(min: number, max: number, unit = ''): (value: string) => number {
  return (value) => {
    const v = value.trim();
    if (!/^-?\d+$/.test(v))
      throw new Error(`expected a whole number from ${min} to ${max}${unit}, got "${truncate(value)}"`);
    const n = Number(v);
    if (n < min || n > max) throw new Error(`expected a whole number from ${min} to ${max}${unit}, got ${n}`);
    return n;
  };
}

/** A parser of numbers (decimals allowed) within bounds. */
export function numberIn(min: number, max: number, unit = ''): (value: string) => number {
  return (value) => {
    const v = value.trim();
    if (!/^-?\d+(\.\d+)?$/.test(v))
      throw new Error(`expected a number from ${min} to ${max}${unit}, got "${truncate(value)}"`);
    const n = Number(v);
    if (n < min || n > max) throw new Error(`expected a number from ${min} to ${max}${unit}, got ${n}`);
    return n;
  };
}

/** A parser accepting one of a fixed set of words. */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if ((choices as readonly string[]).includes(value)) return value as T;
    throw new Error(`expected one of ${choices.join(', ')}, got "${truncate(value)}"`);
  };
}

/** A parser of an http(s) URL. */
export function url(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(`expected a URL such as http://127.0.0.1:4566, got "${truncate(value)}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`expected an http or https URL, got "${truncate(value)}"`);
  return value.replace(/\/+$/, '');
}

/** A parser of a comma-separated list of etcd endpoints (`host:port` gets `http://`). */
export function endpointList(value: string): string[] {
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0)
    throw new Error('expected one or more endpoints such as http://127.0.0.1:2379, comma-separated');
  return parts.map((p) => {
    const u = url(/^[a-z]+:\/\//i.test(p) ? p : `http://${p}`);
    // gRPC would take `user:pw@host` for the host name, fail to resolve it and print it, password and all.
    if (hasUrlCredentials(u)) {
      throw new Error(
        `${truncate(u)} has credentials in it, which etcd does not read from a URL: give them with --etcd-username and --etcd-password (LBM_ETCD_PASSWORD, or a file)`,
      );
    }
    return u;
  });
}

/** A parser of any non-empty string. */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new Error('expected a non-empty value');
  return value;
}
