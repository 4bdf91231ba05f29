import type { Command } from 'commander';
import { Metrics } from '../admin/metrics.js';
import { startAdminServer, type AdminServer } from '../admin/server.js';
import { addFlags } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS, type DaemonConfig } from '../config/daemon.js';
import { createEtcdClient } from '../etcd/client.js';
import { ConfirmationWatch } from '../etcd/confirmations.js';
import { LeaseElection, NoElection, type Leadership } from '../etcd/election.js';
import { StateRecord } from '../etcd/state-record.js';
import { supersededKeys } from '../tree/desired.js';
import { TreeSource } from '../etcd/source.js';
import { AwsClients, resolveLegacyCredentials } from '../providers/aws-clients.js';
import { ElbProvider } from '../providers/elb.js';
import { Elbv2Provider } from '../providers/elbv2.js';
import { Route53AwsProvider, Route53Zones } from '../providers/route53.js';
import { Route53Throttle } from '../providers/route53-throttle.js';
import type { Route53Provider } from '../providers/types.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { createLogger, type Logger } from '../util/logger.js';
import { userAgent, VERSION } from '../util/version.js';

/** Adds `lbmanager run`, the default command. */
export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('run the daemon: read and watch the tree, keep AWS membership equal to it');
  addFlags(cmd, DAEMON_FLAGS);
  cmd.action(async () => {
    const config = daemonConfig(cmd, process.env, { adminEndpoint: true });
    const code = await runDaemon(config);
    process.exit(code);
  });
}

/** The parts of a running daemon, for the commands and tests that drive one. */
export interface Daemon {
  readonly reconciler: Reconciler;
  readonly source: TreeSource;
  readonly metrics: Metrics;
  readonly leadership: Leadership;
  /** The admin endpoint, when enabled. */
  readonly admin: AdminServer | undefined;
  /** Re-reads the tree and reconciles every target; `now` cuts backoff waits short. */
  resync(now: boolean): Promise<void>;
  /** Stops gracefully: no new work, in-flight calls finish (bounded), nothing is deregistered. */
  shutdown(): Promise<void>;
}

/** Builds the AWS side: clients with lbmanager's User-Agent, providers, the shared Route53 throttle. */
export function buildProviders(config: DaemonConfig, metrics?: Metrics) {
  const legacy = resolveLegacyCredentials(process.env);
  const throttle = new Route53Throttle({ requestRate: config.route53Rps, changeRate: config.route53ChangeRps });
  const zones = new Route53Zones();
  const clients = new AwsClients({
    userAgent: userAgent(config.identity),
    ...(config.elbEndpoint ? { elbEndpoint: config.elbEndpoint } : {}),
    ...(config.elbv2Endpoint ? { elbv2Endpoint: config.elbv2Endpoint } : {}),
    ...(config.route53Endpoint ? { route53Endpoint: config.route53Endpoint } : {}),
    ...(legacy ? { credentials: legacy } : {}),
    connectTimeoutMs: config.awsConnectTimeout * 1000,
    requestTimeoutMs: config.awsRequestTimeout * 1000,
  });
  clients.onClient = (service, client) => {
    // Every Route53 request of every region shares the account's buckets; listings made ahead wait behind reads.
    if (service === 'route53') throttle.attach(client, () => zones.priority.getStore() ?? 'now');
    metrics?.countAwsCalls(service, client);
  };
  const route53ByRegion = new Map<string, Route53Provider>();
  const route53 = (region: string): Route53Provider => {
    let p = route53ByRegion.get(region);
    if (!p) {
      p = new Route53AwsProvider(clients, region, { zones });
      route53ByRegion.set(region, p);
    }
    return p;
  };
  return { clients, providers: { elb: new ElbProvider(clients), elbv2: new Elbv2Provider(clients), route53 } };
}

/** Starts the daemon; resolves once the first snapshot is loaded (reconciles then run in the background). */
export async function startDaemon(config: DaemonConfig, logger: Logger): Promise<Daemon> {
  const client = createEtcdClient(config.etcd);
  const metrics = new Metrics();
  const { clients, providers } = buildProviders(config, metrics);
  // The state record and pruning write through the leader's campaign key (`elected` is set before any apply).
  const stateRecord = new StateRecord(client, config.statePrefix, () => elected.guardKey, logger);
  const reconciler = new Reconciler({
    prefix: config.prefix,
    providers,
    policy: config.policy,
    dryRun: config.dryRun,
    route53Ttl: config.route53Ttl,
    concurrency: config.concurrency,
    reconcileTimeoutMs: config.reconcileTimeout * 1000,
    maxRemovalPercent: config.maxRemovalPercent,
    confirmRemoval: config.confirmRemoval,
    observer: metrics.observer(),
    logger,
    onApplied: (id, target, members, inTree) => {
      void stateRecord.record(id, target, members, inTree);
      if (config.pruneSuperseded && inTree) {
        const superseded = supersededKeys(reconciler.index.entriesOf(id));
        if (superseded.length > 0) void stateRecord.prune(id, superseded);
      }
    },
  });
  // Confirmations of held removals arrive through etcd; only the leader applies (and consumes) them.
  const confirmations = new ConfirmationWatch(
    { client, statePrefix: config.statePrefix, logger },
    (record) => {
      if (!elected.isLeader) return false;
      logger.warn('held removals confirmed through etcd', {
        action: 'confirm-removals',
        by: record.by,
        targets: record.confirmation === 'all' ? 'all' : record.confirmation.targets,
      });
      reconciler.confirmRemovals(record.confirmation);
      return true;
    },
    () => elected.guardKey,
  );
  const onLeadership = (isLeader: boolean): void => {
    reconciler.setWritable(isLeader);
    if (isLeader) confirmations.retry();
  };
  const elected: Leadership = config.leaderElection
    ? new LeaseElection(
        {
          client,
          prefix: `/_lbmanager/election${config.prefix}/`,
          ttl: config.electionTtl,
          identity: config.identity,
          logger,
        },
        onLeadership,
      )
    : new NoElection(onLeadership);
  // Nothing is written until this replica knows it leads.
  reconciler.setWritable(false);
  const source = new TreeSource({ client, prefix: config.prefix, logger }, reconciler);
  let resyncTimer: NodeJS.Timeout | undefined;
  let resyncing: Promise<void> | undefined;
  let lastFullSync: number | undefined;
  // A full pass is done when every target it marked has been reconciled (or has failed and backs off).
  const trackFullPass = (): void => {
    void reconciler.idle().then(() => {
      lastFullSync = Date.now();
    });
  };
  const resync = (now: boolean): Promise<void> => {
    // One re-read at a time; a request during one joins it.
    if (resyncing) return resyncing;
    const run = source
      .resync()
      .then(() => {
        reconciler.markAll(now);
        trackFullPass();
      })
      .catch((e: unknown) => logger.error('resync failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => (resyncing = undefined));
    resyncing = run;
    return run;
  };
  const isLeader = (): boolean => elected.isLeader;
  metrics.bind({
    reconciler,
    isLeader,
    watchRestarts: () => source.watchRestarts,
    lastFullSync: () => (lastFullSync === undefined ? undefined : lastFullSync / 1000),
  });
  // The admin endpoint is up before the first read, so /healthz and /readyz answer while etcd is slow.
  const admin = config.httpListen
    ? await startAdminServer(
        { listen: config.httpListen, logger, ...(config.httpToken ? { token: config.httpToken } : {}) },
        {
          reconciler,
          metrics,
          isLeader,
          electionProblem: () => elected.problem,
          lastFullSync: () => lastFullSync,
          resyncInterval: config.resyncInterval,
          resync: (confirm) => {
            if (confirm) reconciler.confirmRemovals('all');
            void resync(true);
          },
        },
      )
    : undefined;
  if (admin) logger.info('admin endpoint listening', { url: admin.url });
  await elected.start();
  await source.start();
  await confirmations.start();
  // Targets whose keys all went while no daemon ran: drained like any other (policy and removal guard apply).
  try {
    const recorded = await stateRecord.load();
    const orphans = recorded.filter((r) => reconciler.index.target(r.id) === undefined);
    if (orphans.length > 0) {
      logger.warn('targets in the state record have no keys in the tree: reconciling them to empty', {
        targets: orphans.map((o) => o.id),
      });
    }
    reconciler.adopt(recorded);
  } catch (e) {
    logger.error('could not read the state record', { error: e instanceof Error ? e.message : String(e) });
  }
  void reconciler.idle().then(() => {
    lastFullSync = Date.now();
    logger.info('initial reconcile finished', { targets: reconciler.status().length });
  });
  if (config.resyncInterval > 0) {
    resyncTimer = setInterval(() => void resync(false), config.resyncInterval * 1000);
  }
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      if (resyncTimer) clearInterval(resyncTimer);
      confirmations.stop();
      await source.stop();
      const finished = await reconciler.stop(config.shutdownTimeout * 1000);
      if (!finished)
        logger.warn('shutdown timeout reached with AWS calls still in flight', { timeoutS: config.shutdownTimeout });
      await stateRecord.drain();
      await elected.stop();
      client.close();
      clients.destroy();
      await admin?.close();
    })());
  return { reconciler, source, metrics, leadership: elected, admin, resync, shutdown };
}

/** Runs the daemon until SIGTERM or SIGINT; returns the exit code. */
export async function runDaemon(config: DaemonConfig): Promise<number> {
  const logger = createLogger({
    level: config.logLevel,
    ...(config.logFormat ? { format: config.logFormat } : {}),
    defaultMeta: { identity: config.identity },
  });
  logger.info('lbmanager starting', {
    version: VERSION,
    etcdEndpoints: config.etcd.endpoints,
    prefix: `${config.prefix}/`,
    policy: config.policy,
    dryRun: config.dryRun,
    resyncInterval: config.resyncInterval,
  });
  let signalled: NodeJS.Signals | undefined;
  const running: { daemon?: Daemon } = {};
  let wake: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = sig;
    logger.info('shutting down', { signal: sig });
    wake?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: re-reading the tree and reconciling every target');
    void running.daemon?.resync(true);
  });
  const starting = startDaemon(config, logger);
  const first = await Promise.race([starting.then(() => 'started' as const), stopped.then(() => 'signal' as const)]);
  if (first === 'signal') {
    // Still reading etcd: nothing was written, so there is nothing to finish.
    void starting.then((d) => d.shutdown());
    logger.info('stopped before the first snapshot was read');
    return 0;
  }
  const daemon = await starting;
  running.daemon = daemon;
  await stopped;
  await daemon.shutdown();
  logger.info('stopped');
  return 0;
}
