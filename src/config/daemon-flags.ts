import { endpointList, flagName, intIn, numberIn, nonEmpty, oneOf, url, type FlagDef } from './flags.js';
import { DEFAULT_REMOVAL_GUARD } from '../plan/removal-guard.js';
import { DEFAULT_CHANGE_RATE, DEFAULT_REQUEST_RATE } from '../providers/route53-throttle.js';
import { DEFAULT_CONCURRENCY } from '../reconcile/work-queue.js';
import { normalisePrefix } from '../tree/keys.js';
import { parseListen } from '../util/listen.js';
import { LOG_LEVELS } from '../util/log.js';

/** Where lbmanager finds etcd when nothing says otherwise (etcdctl's default too). */
export const DEFAULT_ETCD_ENDPOINTS: readonly string[] = ['http://127.0.0.1:2379'];

/** The flags of `run` and `plan`: the one place their defaults are written (docs/architecture.md, Configuration). */
export const DAEMON_FLAGS: readonly FlagDef[] = [
  {
    flags: '--etcd-endpoints <urls>',
    description:
      'etcd endpoints, comma-separated (ETCDCTL_ENDPOINTS is used when neither this nor --etcd-host is given)',
    parse: endpointList,
    defaultDescription: DEFAULT_ETCD_ENDPOINTS.join(','),
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
  {
    flags: '--concurrency <n>',
    description: 'targets reconciled at once',
    parse: intIn(1, 1000),
    default: DEFAULT_CONCURRENCY,
  },
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
    default: DEFAULT_REMOVAL_GUARD.maxRemovalPercent,
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

/** Checks an admin listen address: `host:port` or `off`. */
function listenValue(value: string): string {
  if (value === 'off') return value;
  parseListen(value);
  return value;
}

/** Normalises a key prefix, refusing the root of the keyspace. */
export function prefixValue(value: string): string {
  const p = normalisePrefix(value.trim());
  if (p === '/' || p === '') throw new Error('expected a key prefix such as /lbManager (not the root of the keyspace)');
  return p;
}
