import type { DaemonConfig } from '../config/daemon.js';
import { createLogger } from '../util/logger.js';
import { VERSION } from '../util/version.js';
import { startDaemon, type Daemon } from './daemon.js';

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
