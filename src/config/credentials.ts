// Secrets and TLS files: where they are read from, in order, and the usage errors when one cannot be read. Secrets
// live in files (LBM_X_FILE, systemd credentials) so that they stay out of unit files, `ps`, `systemctl show` and the
// environment of the commands `announce` runs. Never put a secret's content in a message.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './flags.js';

/** The secrets, by flag name; each is also the name of its systemd credential. */
export type SecretName = 'etcd-password' | 'http-token';
/** The TLS files, by flag name; each is also the name of its systemd credential. */
export type TlsFileName = 'etcd-ca' | 'etcd-cert' | 'etcd-key';

/** Every systemd credential lbmanager reads from `$CREDENTIALS_DIRECTORY` (each named after its flag). */
export const CREDENTIAL_NAMES: readonly (SecretName | TlsFileName)[] = [
  'etcd-password',
  'http-token',
  'etcd-ca',
  'etcd-cert',
  'etcd-key',
];

/** The variables that carry lbmanager's own secrets (what `announce` keeps from its command). */
export const SECRET_VARIABLES: readonly string[] = [
  'LBM_ETCD_PASSWORD',
  'LBM_ETCD_PASSWORD_FILE',
  'LBM_HTTP_TOKEN',
  'LBM_HTTP_TOKEN_FILE',
];

/** etcdctl's variable for each TLS file (etcdctl's own names, honoured when lbmanager's are not given). */
const ETCDCTL_TLS: Readonly<Record<TlsFileName, string>> = {
  'etcd-ca': 'ETCDCTL_CACERT',
  'etcd-cert': 'ETCDCTL_CERT',
  'etcd-key': 'ETCDCTL_KEY',
};

const variable = (name: string): string => `LBM_${name.toUpperCase().replace(/-/g, '_')}`;

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** Reads a file, or throws a UsageError naming where its path came from (`--etcd-key /x`, `LBM_ETCD_KEY=/x`). */
function readNamed(origin: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new UsageError(`${origin}: cannot read it (${why(e)})`);
  }
}

/** A systemd credential's path when `$CREDENTIALS_DIRECTORY` holds one of that name; a missing one is none. */
function credential(name: string, env: NodeJS.ProcessEnv): { origin: string; path: string } | undefined {
  const dir = env.CREDENTIALS_DIRECTORY;
  if (!dir) return undefined;
  const path = join(dir, name);
  try {
    statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`the systemd credential ${name} (${path}): cannot read it (${why(e)})`);
  }
  return { origin: `the systemd credential ${name} (${path})`, path };
}

// A file's secret is its content less one trailing newline (what `echo secret > file` adds).
function fileSecret(origin: string, path: string): string {
  const text = readNamed(origin, path)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (text.trim() === '') throw new UsageError(`${origin} is empty: put the secret in it, or remove it`);
  return text;
}

/**
 * A secret, from the first of: the flag, `LBM_X`, the file named by `LBM_X_FILE`, `$CREDENTIALS_DIRECTORY/x`.
 * Empty values and unreadable files are usage errors: an empty token must not mean "no authentication".
 */
export function readSecret(name: SecretName, fromCli: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (fromCli !== undefined) return fromCli;
  const v = variable(name);
  const direct = env[v];
  if (direct !== undefined) {
    if (direct.trim() === '') throw new UsageError(`${v} is set but empty: set it to the secret, or unset it`);
    return direct;
  }
  const named = env[`${v}_FILE`];
  if (named) return fileSecret(`${v}_FILE=${named}`, named);
  const cred = credential(name, env);
  return cred ? fileSecret(cred.origin, cred.path) : undefined;
}

/** Where a file setting's path came from (`--etcd-key /x`, `LBM_ETCD_KEY=/x`, a credential), and the path. */
export interface FileSource {
  readonly origin: string;
  readonly path: string;
}

/** A TLS file's source, from the first of: the flag, `LBM_X`, `$CREDENTIALS_DIRECTORY/x`, etcdctl's variable. */
export function tlsSource(
  name: TlsFileName,
  fromCli: string | undefined,
  env: NodeJS.ProcessEnv,
): FileSource | undefined {
  if (fromCli !== undefined) return { origin: `--${name} ${fromCli}`, path: fromCli };
  const v = variable(name);
  const own = env[v];
  if (own) return { origin: `${v}=${own}`, path: own };
  const cred = credential(name, env);
  if (cred) return cred;
  const ctl = env[ETCDCTL_TLS[name]];
  return ctl ? { origin: `${ETCDCTL_TLS[name]}=${ctl}`, path: ctl } : undefined;
}

/**
 * The path of a file setting after reading it once, so that a wrong path is a usage error at start, naming where it
 * came from, rather than a stack trace from the etcd client.
 */
export function readableFile(source: FileSource): string {
  if (readNamed(source.origin, source.path).length === 0) throw new UsageError(`${source.origin}: the file is empty`);
  return source.path;
}

/** etcd user and password from etcdctl's ETCDCTL_USER (`user[:password]`) and ETCDCTL_PASSWORD, as etcdctl reads them. */
export function etcdctlAuth(env: NodeJS.ProcessEnv): { username?: string; password?: string } {
  const user = env.ETCDCTL_USER;
  if (!user) return {};
  // As etcdctl: with a separate password the whole variable is the user name, otherwise it splits at the first colon.
  if (env.ETCDCTL_PASSWORD) return { username: user, password: env.ETCDCTL_PASSWORD };
  const colon = user.indexOf(':');
  return colon < 0 ? { username: user } : { username: user.slice(0, colon), password: user.slice(colon + 1) };
}
