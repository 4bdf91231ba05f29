import { hostname } from 'node:os';
import type { Command } from 'commander';
import {
  endpointList,
  flagName,
  intIn,
  numberIn,
  nonEmpty,
  oneOf,
  resolveFlags,
  url,
  UsageError,
  type FlagDef,
} from './flags.js';
import type { EtcdSettings } from '../etcd/client.js';
import { parseListen } from '../util/listen.js';
import { etcdctlAuth, readableFile, readSecret, tlsSource } from './credentials.js';
import type { Policy } from '../plan/membership-plan.js';
import { DEFAULT_CHANGE_RATE, DEFAULT_REQUEST_RATE } from '../providers/route53-throttle.js';
import { normalisePrefix } from '../tree/keys.js';
import { isLoopbackHost } from '../util/ip.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../util/logger.js';

/** Everything `lbmanager run` and `plan` need, validated once. */
export interface DaemonConfig {
  readonly etcd: EtcdSettings;
  /** Without a trailing slash, e.g. `/lbManager`. */
  readonly prefix: string;
  readonly elbEndpoint?: string;
  readonly elbv2Endpoint?: string;
  readonly route53Endpoint?: string;
  readonly dryRun: boolean;
  /** Seconds between full re-reads and reconciles; 0 disables. */
  readonly resyncInterval: number;
  readonly policy: Policy;
  readonly route53Ttl: number;
  /** Route53 requests per second across all zones (the request bucket's refill); 0 means unlimited. */
  readonly route53Rps: number;
  /** Route53 record changes per second (the change bucket's refill); 0 means unlimited. */
  readonly route53ChangeRps: number;
  readonly concurrency: number;
  /** Seconds to open a connection to AWS. */
  readonly awsConnectTimeout: number;
  /** Seconds one AWS request may take. */
  readonly awsRequestTimeout: number;
  /** Seconds one reconcile may take; 0 for no deadline. */
  readonly reconcileTimeout: number;
  /** Seconds in-flight AWS calls get to finish on shutdown. */
  readonly shutdownTimeout: number;
  readonly identity: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat | undefined;
  readonly maxRemovalPercent: number;
  readonly confirmRemoval: boolean;
  /** `host:port` of the admin endpoint, or undefined when off. */
  readonly httpListen: string | undefined;
  readonly httpToken?: string;
  readonly leaderElection: boolean;
  /** Seconds. */
  readonly electionTtl: number;
  /** Ends with a slash. */
  readonly statePrefix: string;
  readonly pruneSuperseded: boolean;
}

/** The flags of `run` and `plan` (DESIGN 6). */
export const DAEMON_FLAGS: readonly FlagDef[] = [
  {
    flags: '--etcd-endpoints <urls>',
    description:
      'etcd endpoints, comma-separated (ETCDCTL_ENDPOINTS is used when neither this nor --etcd-host is given)',
    parse: endpointList,
    defaultDescription: 'http://127.0.0.1:2379',
  },
  {
    flags: '--etcd-host <urls>',
    description: "the original lbManager's name for --etcd-endpoints",
    parse: endpointList,
    noEnv: true,
  },
  {
    flags: '--prefix <path>',
    description: 'the key tree read and watched (with a trailing slash)',
    parse: prefixValue,
    default: '/lbManager',
  },
  {
    flags: '--config-path <path>',
    description: "the original lbManager's name for --prefix",
    parse: prefixValue,
    noEnv: true,
  },
  {
    flags: '--etcd-ca <file>',
    description: 'CA certificate for etcd TLS (or credential etcd-ca; ETCDCTL_CACERT when neither is given)',
    parse: nonEmpty,
  },
  {
    flags: '--etcd-cert <file>',
    description: 'client certificate for etcd TLS (or credential etcd-cert; ETCDCTL_CERT when neither is given)',
    parse: nonEmpty,
  },
  {
    flags: '--etcd-key <file>',
    description: 'client key for etcd TLS (or credential etcd-key; ETCDCTL_KEY when neither is given)',
    parse: nonEmpty,
  },
  {
    flags: '--etcd-username <name>',
    description: "etcd user (ETCDCTL_USER, etcdctl's user[:password], when not given)",
    parse: nonEmpty,
  },
  {
    flags: '--etcd-password <password>',
    description:
      'etcd password (prefer a file: LBM_ETCD_PASSWORD_FILE or credential etcd-password; flags show in ps; ETCDCTL_PASSWORD when none is given)',
    parse: nonEmpty,
    secret: true,
  },
  { flags: '--elb-endpoint <url>', description: 'Classic ELB API endpoint override', parse: url },
  { flags: '--elbv2-endpoint <url>', description: 'ELBv2 API endpoint override', parse: url },
  { flags: '--route53-endpoint <url>', description: 'Route53 API endpoint override', parse: url },
  { flags: '--dry-run', description: 'compute and log every change, apply none', parse: () => true, default: false },
  {
    flags: '--resync-interval <seconds>',
    description: 're-read the tree and reconcile every target this often, repairing drift; 0 disables',
    parse: intIn(0, 86_400, ' seconds'),
    default: 300,
  },
  {
    flags: '--policy <policy>',
    description: 'sync: lbmanager owns the membership; upsert-only: it only ever adds members',
    parse: oneOf(['sync', 'upsert-only'] as const),
    default: 'sync',
  },
  {
    flags: '--route53-ttl <seconds>',
    description: 'TTL of the A/AAAA sets written',
    parse: intIn(0, 2_147_483_647, ' seconds'),
    default: 60,
  },
  {
    flags: '--route53-rps <n>',
    description:
      "Route53 requests per second across all zones: the refill of the account's request bucket (burst 50); 0 unlimited",
    parse: intIn(0, 1000),
    default: DEFAULT_REQUEST_RATE,
  },
  {
    flags: '--route53-change-rps <n>',
    description: 'Route53 record changes per second: the refill of the change-throughput bucket; 0 unlimited',
    parse: intIn(0, 1_000_000),
    default: DEFAULT_CHANGE_RATE,
  },
  { flags: '--concurrency <n>', description: 'targets reconciled at once', parse: intIn(1, 1000), default: 16 },
  {
    flags: '--aws-connect-timeout <seconds>',
    description: 'time to open a connection to AWS before the attempt fails and is retried',
    parse: numberIn(0.1, 600, ' seconds'),
    default: 5,
  },
  {
    flags: '--aws-request-timeout <seconds>',
    description: 'time one AWS request may take, answer included, before it fails and is retried',
    parse: numberIn(0.1, 3600, ' seconds'),
    default: 30,
  },
  {
    flags: '--reconcile-timeout <seconds>',
    description: 'deadline of one reconcile: its AWS calls are cancelled and the target retried with backoff; 0 off',
    parse: numberIn(0, 86_400, ' seconds'),
    default: 120,
  },
  {
    flags: '--shutdown-timeout <seconds>',
    description: 'time in-flight AWS calls get to finish on SIGTERM/SIGINT',
    parse: intIn(0, 3600, ' seconds'),
    default: 10,
  },
  {
    flags: '--identity <name>',
    description: 'names this replica in logs and in the User-Agent of its AWS calls',
    parse: nonEmpty,
    defaultDescription: '<hostname>:<pid>',
  },
  {
    flags: '--max-removal-percent <percent>',
    description: 'hold removals above this share of all managed members (and at least 10) until confirmed',
    parse: intIn(0, 100, ' percent'),
    default: 50,
  },
  {
    flags: '--confirm-removal',
    description: 'confirm removals held by the guard (a purge that was meant)',
    parse: () => true,
    default: false,
  },
  {
    flags: '--prune-superseded',
    description:
      'delete superseded keys (older single keys, the inactive class) like the original tool; guarded by mod_revision',
    parse: () => true,
    default: false,
  },
  {
    flags: '--no-leader-election',
    description: 'write without electing a leader (run one replica only)',
    parse: () => true,
    default: false,
  },
  {
    flags: '--election-ttl <seconds>',
    description: "the leader's lease TTL; a standby takes over within about this after the leader dies",
    parse: intIn(2, 3600, ' seconds'),
    default: 10,
  },
  {
    flags: '--state-prefix <path>',
    description: 'where the leader records what it applied (outside the tree)',
    parse: (v) => `${prefixValue(v)}/`,
    default: '/_lbmanager/state/',
  },
  {
    flags: '--http-listen <host:port>',
    description: 'admin endpoint (health, readiness, metrics, state, resync); off disables',
    parse: listenValue,
    default: '127.0.0.1:9180',
  },
  {
    flags: '--http-token <token>',
    description:
      'bearer token required on POST requests to the admin endpoint (prefer a file: LBM_HTTP_TOKEN_FILE or credential http-token); needed off loopback',
    parse: nonEmpty,
    secret: true,
  },
  {
    flags: '--log-level <level>',
    description: 'error, warn, info or debug',
    parse: oneOf(LOG_LEVELS),
    default: 'info',
  },
  {
    flags: '--log-format <format>',
    description: 'json or text',
    parse: oneOf(['json', 'text'] as const),
    defaultDescription: 'json when stdout is not a TTY, else text',
  },
];

const CONNECTION_FLAG_NAMES = new Set([
  'etcd-endpoints',
  'etcd-host',
  'prefix',
  'config-path',
  'etcd-ca',
  'etcd-cert',
  'etcd-key',
  'etcd-username',
  'etcd-password',
]);

/** The flags saying how to reach etcd and which tree to read (for validate and announce). */
export const ETCD_FLAGS: readonly FlagDef[] = DAEMON_FLAGS.filter((f) => CONNECTION_FLAG_NAMES.has(flagName(f)));

/** --log-level and --log-format. */
export const LOG_FLAGS: readonly FlagDef[] = DAEMON_FLAGS.filter((f) => flagName(f).startsWith('log-'));

function listenValue(value: string): string {
  if (value === 'off') return value;
  parseListen(value);
  return value;
}

function prefixValue(value: string): string {
  const p = normalisePrefix(value.trim());
  if (p === '/' || p === '') throw new Error('expected a key prefix such as /lbManager (not the root of the keyspace)');
  return p;
}

/** What a command does with the configuration beyond reaching etcd. */
export interface ConfigPurpose {
  /** The command serves the admin endpoint (`run`): its token is read and its address checked. */
  readonly adminEndpoint?: boolean;
}

/** Builds the daemon's configuration from the parsed command line and the environment. Throws UsageError. */
export function daemonConfig(
  cmd: Command,
  env: NodeJS.ProcessEnv = process.env,
  purpose: ConfigPurpose = {},
): DaemonConfig {
  const v = resolveFlags(cmd, DAEMON_FLAGS, env);
  const get = <T>(name: string): T | undefined => v.get(name) as T | undefined;
  // Flags win over variables, and the original tool's flag names count as flags.
  const cli = cmd.opts<{
    etcdEndpoints?: string[];
    etcdHost?: string[];
    prefix?: string;
    configPath?: string;
    etcdCa?: string;
    etcdCert?: string;
    etcdKey?: string;
    etcdPassword?: string;
    httpToken?: string;
  }>();
  const endpoints =
    cli.etcdEndpoints ??
    cli.etcdHost ??
    get<string[]>('etcd-endpoints') ??
    (env.ETCDCTL_ENDPOINTS ? parseEnvEndpoints(env.ETCDCTL_ENDPOINTS) : ['http://127.0.0.1:2379']);
  const prefix = cli.prefix ?? cli.configPath ?? get<string>('prefix') ?? '/lbManager';
  const statePrefix = get<string>('state-prefix') ?? '/_lbmanager/state/';
  if (statePrefix.startsWith(`${prefix}/`) || `${prefix}/`.startsWith(statePrefix)) {
    throw new UsageError(`--state-prefix ${statePrefix} must be outside the tree ${prefix}/`);
  }
  const optional = <K extends string>(key: K, name: string): { [P in K]?: string } =>
    (get<string>(name) !== undefined ? { [key]: get<string>(name) } : {}) as { [P in K]?: string };
  const httpListen =
    get<string>('http-listen') === 'off' ? undefined : (get<string>('http-listen') ?? '127.0.0.1:9180');
  const httpToken = purpose.adminEndpoint ? readSecret('http-token', cli.httpToken, env) : undefined;
  if (purpose.adminEndpoint && httpListen !== undefined && httpToken === undefined) checkLoopback(httpListen);
  return {
    etcd: etcdSettings(endpoints, get<string>('etcd-username'), cli, env),
    prefix,
    ...optional('elbEndpoint', 'elb-endpoint'),
    ...optional('elbv2Endpoint', 'elbv2-endpoint'),
    ...optional('route53Endpoint', 'route53-endpoint'),
    dryRun: get<boolean>('dry-run') ?? false,
    resyncInterval: get<number>('resync-interval') ?? 300,
    policy: get<Policy>('policy') ?? 'sync',
    route53Ttl: get<number>('route53-ttl') ?? 60,
    route53Rps: get<number>('route53-rps') ?? DEFAULT_REQUEST_RATE,
    route53ChangeRps: get<number>('route53-change-rps') ?? DEFAULT_CHANGE_RATE,
    concurrency: get<number>('concurrency') ?? 16,
    awsConnectTimeout: get<number>('aws-connect-timeout') ?? 5,
    awsRequestTimeout: get<number>('aws-request-timeout') ?? 30,
    reconcileTimeout: get<number>('reconcile-timeout') ?? 120,
    shutdownTimeout: get<number>('shutdown-timeout') ?? 10,
    identity: get<string>('identity') ?? `${hostname()}:${process.pid}`,
    logLevel: get<LogLevel>('log-level') ?? 'info',
    logFormat: get<LogFormat>('log-format'),
    maxRemovalPercent: get<number>('max-removal-percent') ?? 50,
    confirmRemoval: get<boolean>('confirm-removal') ?? false,
    httpListen,
    ...(httpToken !== undefined ? { httpToken } : {}),
    leaderElection: !(get<boolean>('no-leader-election') ?? false),
    electionTtl: get<number>('election-ttl') ?? 10,
    statePrefix: get<string>('state-prefix') ?? '/_lbmanager/state/',
    pruneSuperseded: get<boolean>('prune-superseded') ?? false,
  };
}

/** TLS files and auth: lbmanager's flags and variables first, then systemd credentials, then etcdctl's variables. */
function etcdSettings(
  endpoints: string[],
  lbmUsername: string | undefined,
  cli: { etcdCa?: string; etcdCert?: string; etcdKey?: string; etcdPassword?: string },
  env: NodeJS.ProcessEnv,
): EtcdSettings {
  const [ca, cert, key] = [
    tlsSource('etcd-ca', cli.etcdCa, env),
    tlsSource('etcd-cert', cli.etcdCert, env),
    tlsSource('etcd-key', cli.etcdKey, env),
  ];
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--etcd-cert and --etcd-key go together: give both or neither');
  }
  const ctl = lbmUsername === undefined ? etcdctlAuth(env) : {};
  const username = lbmUsername ?? ctl.username;
  const password = readSecret('etcd-password', cli.etcdPassword, env) ?? ctl.password;
  if (username === undefined && password !== undefined) {
    throw new UsageError('--etcd-username and --etcd-password go together: give both or neither');
  }
  if (username !== undefined && password === undefined) {
    throw new UsageError(
      lbmUsername === undefined
        ? `ETCDCTL_USER names user ${username} without a password (etcdctl would ask for it): set ETCDCTL_PASSWORD, ETCDCTL_USER=${username}:PASSWORD, or LBM_ETCD_PASSWORD_FILE`
        : '--etcd-username and --etcd-password go together: give both or neither (the password may come from LBM_ETCD_PASSWORD_FILE or the credential etcd-password)',
    );
  }
  return {
    endpoints,
    ...(ca ? { ca: readableFile(ca) } : {}),
    ...(cert ? { cert: readableFile(cert) } : {}),
    ...(key ? { key: readableFile(key) } : {}),
    ...(username !== undefined && password !== undefined ? { username, password } : {}),
  };
}

// Without a token the endpoint answers anyone who reaches it: on loopback that is this machine only.
function checkLoopback(listen: string): void {
  if (isLoopbackHost(parseListen(listen).host)) return;
  throw new UsageError(
    `--http-listen ${listen} is not a loopback address and no admin token is set: set --http-token, LBM_HTTP_TOKEN, LBM_HTTP_TOKEN_FILE or the systemd credential http-token, or listen on loopback (127.0.0.1:9180)`,
  );
}

function parseEnvEndpoints(value: string): string[] {
  try {
    return endpointList(value);
  } catch (e) {
    throw new UsageError(`ETCDCTL_ENDPOINTS: ${(e as Error).message}`);
  }
}
