import type { Command } from 'commander';
import { addFlags, type FlagDef } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS, type DaemonConfig } from '../config/daemon.js';
import { createEtcdClient } from '../etcd/client.js';
import { readSnapshot } from '../etcd/snapshot.js';
import { StateRecord } from '../etcd/state-record.js';
import {
  PLAN_EXIT,
  planExitCode,
  renderPlanJson,
  renderPlanText,
  summarisePlan,
  type SyncPlan,
} from '../plan/sync-plan.js';
import { buildProviders } from '../daemon/aws.js';
import { planTargets } from '../reconcile/plan-targets.js';
import { TreeIndex } from '../tree/tree-index.js';
import { targetId, type Target } from '../tree/types.js';
import { createLogger } from '../util/logger.js';
import { maskUrlCredentials } from '../util/mask-url.js';
import { OUTPUT_FLAG, outputFormat } from '../config/output.js';
import { write } from '../util/output.js';

const FLAGS: readonly FlagDef[] = [...DAEMON_FLAGS, OUTPUT_FLAG];

/** Adds `lbmanager plan`: what a sync would change, applying nothing. */
export function registerPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description(
      'read the tree and AWS once and print the changes a sync would make; exit 0 in sync, 2 changes, 1 error',
    );
  addFlags(cmd, FLAGS);
  cmd.action(async () => {
    const config = daemonConfig(cmd);
    const output = outputFormat(cmd);
    let code: number;
    try {
      const plan = await computePlan(config);
      await write(output === 'json' ? renderPlanJson(plan) : renderPlanText(plan));
      code = planExitCode(plan);
    } catch (e) {
      process.stderr.write(`lbmanager plan: ${maskUrlCredentials(e instanceof Error ? e.message : String(e))}\n`);
      code = PLAN_EXIT.error;
    }
    process.exit(code);
  });
}

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
