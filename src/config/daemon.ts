import { hostname } from 'node:os';
import type { Command } from 'commander';
import { endpointList, resolveFlags, UsageError } from './flags.js';
import { DAEMON_FLAGS, DEFAULT_ETCD_ENDPOINTS } from './daemon-flags.js';
import { etcdctlAuth, readableFile, readSecret, tlsSource } from './credentials.js';
import type { EtcdSettings } from '../etcd/client.js';
import type { Policy } from '../plan/membership-plan.js';
import { isLoopbackHost } from '../util/ip.js';
import { parseListen } from '../util/listen.js';
import type { LogFormat, LogLevel } from '../util/log.js';

export { DAEMON_FLAGS, ETCD_FLAGS, LOG_FLAGS } from './daemon-flags.js';

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
  const optional = <T>(name: string): T | undefined => v.get(name) as T | undefined;
  // Every flag without a computed default has one in DAEMON_FLAGS, which resolveFlags has applied.
  const get = <T>(name: string): T => {
    if (!v.has(name)) throw new Error(`flag --${name} has no default in DAEMON_FLAGS`);
    return v.get(name) as T;
  };
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
    optional<string[]>('etcd-endpoints') ??
    (env.ETCDCTL_ENDPOINTS ? parseEnvEndpoints(env.ETCDCTL_ENDPOINTS) : [...DEFAULT_ETCD_ENDPOINTS]);
  const prefix = cli.prefix ?? cli.configPath ?? get<string>('prefix');
  const statePrefix = get<string>('state-prefix');
  if (statePrefix.startsWith(`${prefix}/`) || `${prefix}/`.startsWith(statePrefix)) {
    throw new UsageError(`--state-prefix ${statePrefix} must be outside the tree ${prefix}/`);
  }
  const endpoint = <K extends string>(key: K, name: string): { [P in K]?: string } => {
    const value = optional<string>(name);
    return (value !== undefined ? { [key]: value } : {}) as { [P in K]?: string };
  };
  const listen = get<string>('http-listen');
  const httpListen = listen === 'off' ? undefined : listen;
  const httpToken = purpose.adminEndpoint ? readSecret('http-token', cli.httpToken, env) : undefined;
  if (purpose.adminEndpoint && httpListen !== undefined && httpToken === undefined) checkLoopback(httpListen);
  return {
    etcd: etcdSettings(endpoints, optional<string>('etcd-username'), cli, env),
    prefix,
    ...endpoint('elbEndpoint', 'elb-endpoint'),
    ...endpoint('elbv2Endpoint', 'elbv2-endpoint'),
    ...endpoint('route53Endpoint', 'route53-endpoint'),
    dryRun: get<boolean>('dry-run'),
    resyncInterval: get<number>('resync-interval'),
    policy: get<Policy>('policy'),
    route53Ttl: get<number>('route53-ttl'),
    route53Rps: get<number>('route53-rps'),
    route53ChangeRps: get<number>('route53-change-rps'),
    concurrency: get<number>('concurrency'),
    awsConnectTimeout: get<number>('aws-connect-timeout'),
    awsRequestTimeout: get<number>('aws-request-timeout'),
    reconcileTimeout: get<number>('reconcile-timeout'),
    shutdownTimeout: get<number>('shutdown-timeout'),
    identity: optional<string>('identity') ?? `${hostname()}:${process.pid}`,
    logLevel: get<LogLevel>('log-level'),
    logFormat: optional<LogFormat>('log-format'),
    maxRemovalPercent: get<number>('max-removal-percent'),
    confirmRemoval: get<boolean>('confirm-removal'),
    httpListen,
    ...(httpToken !== undefined ? { httpToken } : {}),
    leaderElection: !get<boolean>('no-leader-election'),
    electionTtl: get<number>('election-ttl'),
    statePrefix,
    pruneSuperseded: get<boolean>('prune-superseded'),
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
