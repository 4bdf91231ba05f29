import { Metrics } from '../admin/metrics.js';
import { startAdminServer, type AdminServer } from '../admin/server.js';
import type { DaemonConfig } from '../config/daemon.js';
import { createEtcdClient } from '../etcd/client.js';
import { ConfirmationWatch } from '../etcd/confirmations.js';
import { LeaseElection, NoElection, type Leadership } from '../etcd/election.js';
import { TreeSource } from '../etcd/source.js';
import { StateRecord } from '../etcd/state-record.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { supersededKeys } from '../tree/desired.js';
import type { Logger } from '../util/logger.js';
import { buildProviders } from './aws.js';

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
          identity: config.identity,
          watch: () => ({ watching: source.isWatching, restarts: source.watchRestarts }),
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
