import type { DaemonConfig } from '../config/daemon.js';
import { createEtcdClient } from '../etcd/client.js';
import { readSnapshot } from '../etcd/snapshot.js';
import { StateRecord } from '../etcd/state-record.js';
import { summarisePlan, type SyncPlan } from '../plan/sync-plan.js';
import { planTargets } from '../reconcile/plan-targets.js';
import { TreeIndex } from '../tree/tree-index.js';
import { targetId, type Target } from '../tree/types.js';
import { createLogger } from '../util/logger.js';
import { buildProviders } from './aws.js';

/** Reads the tree, the state record and AWS once and plans every target. Reads only; throws when etcd cannot be read. */
export async function computePlan(config: DaemonConfig): Promise<SyncPlan> {
  const logger = createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}) });
  const client = createEtcdClient(config.etcd);
  const { clients, providers } = buildProviders(config);
  try {
    const snap = await readSnapshot(client, config.prefix);
    const index = new TreeIndex(config.prefix);
    index.replace(snap.entries, snap.revision);
    const targets = new Map<string, Target>();
    for (const t of index.targets()) targets.set(targetId(t), t);
    // Targets whose keys are all gone are still drained by the daemon: the plan shows that too.
    const recorded = await new StateRecord(client, config.statePrefix, () => undefined, logger).load();
    for (const r of recorded) if (!targets.has(r.id)) targets.set(r.id, r.target);
    const plans = await planTargets(index, targets, providers, config);
    return summarisePlan(snap.revision, plans, index.malformedCount(), {
      maxRemovalPercent: config.maxRemovalPercent,
      confirmed: config.confirmRemoval,
    });
  } finally {
    client.close();
    clients.destroy();
  }
}
