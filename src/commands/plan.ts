import type { Command } from 'commander';
import PQueue from 'p-queue';
import { addFlags, type FlagDef } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS, type DaemonConfig } from '../config/daemon.js';
import { createEtcdClient } from '../etcd/client.js';
import { readSnapshot } from '../etcd/source.js';
import { StateRecord } from '../etcd/state-record.js';
import { planMembership } from '../plan/membership-plan.js';
import { planRecordSets } from '../plan/route53-plan.js';
import {
  PLAN_EXIT,
  planExitCode,
  renderPlanJson,
  renderPlanText,
  summarisePlan,
  type SyncPlan,
  type TargetPlan,
} from '../plan/sync-plan.js';
import { AwsCallError } from '../providers/types.js';
import type { ZoneRecords } from '../plan/records.js';
import type { Providers } from '../reconcile/reconciler.js';
import { TreeIndex } from '../tree/tree-index.js';
import { targetId, type Route53Target, type Target } from '../tree/types.js';
import { canonicalIp } from '../util/ip.js';
import { createLogger } from '../util/logger.js';
import { maskUrlCredentials } from '../util/mask-url.js';
import { buildProviders } from './run.js';
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

/** Reads every target's actual state (bounded concurrency, one read per zone) and plans it against the tree. */
export async function planTargets(
  index: TreeIndex,
  targets: ReadonlyMap<string, Target>,
  providers: Providers,
  options: Pick<DaemonConfig, 'policy' | 'route53Ttl' | 'concurrency'>,
): Promise<TargetPlan[]> {
  const queue = new PQueue({ concurrency: options.concurrency });
  const plans: TargetPlan[] = [];
  const zones = new Map<string, Array<{ id: string; t: Route53Target }>>();
  const desiredOf = (id: string, t: Target) =>
    index.target(id) ? index.desired(t, id) : { members: [] as string[], activeClass: undefined };
  for (const [id, t] of targets) {
    if (t.kind === 'route53') {
      const names = zones.get(t.zoneId) ?? [];
      zones.set(t.zoneId, names);
      names.push({ id, t });
      continue;
    }
    void queue.add(async () => {
      const d = desiredOf(id, t);
      const base = { id, kind: t.kind, activeClass: d.activeClass, desired: [...d.members], recordChanges: [] };
      const provider = t.kind === 'elb' ? providers.elb : providers.elbv2;
      try {
        if (!provider)
          throw new AwsCallError('other', 'Unsupported', `${t.kind} targets are not supported by this build`);
        const actual = (await provider.readMembers(t)).sort();
        const wanted = provider.normalise ? provider.normalise(t, d.members) : [...d.members];
        plans.push({ ...base, desired: wanted, actual, ...planMembership(wanted, actual, options.policy) });
      } catch (e) {
        plans.push({ ...base, actual: undefined, register: [], deregister: [], keptByPolicy: [], error: errorOf(e) });
      }
    });
  }
  for (const [zoneId, names] of zones) {
    void queue.add(async () => {
      const desired = names.map(({ id, t }) => ({ id, t, d: desiredOf(id, t) }));
      let actual: ZoneRecords | undefined;
      let error = { code: 'Error', message: 'not read' };
      try {
        const region = names[0]?.t.region ?? 'us-east-1';
        actual = await providers.route53(region).readRecordSets(
          zoneId,
          names.map((n) => n.t.fqdn),
        );
      } catch (e) {
        error = errorOf(e);
      }
      for (const { id, t, d } of desired) {
        const base = { id, kind: t.kind, activeClass: d.activeClass, desired: [...d.members] };
        if (!actual) {
          const empty = { register: [], deregister: [], keptByPolicy: [], recordChanges: [] };
          plans.push({ ...base, actual: undefined, ...empty, error });
          continue;
        }
        const sets = actual.owned.filter((s) => s.name === t.fqdn);
        const have = [...new Set(sets.flatMap((s) => s.values.map((v) => canonicalIp(v)?.address ?? v)))].sort();
        const { changes: recordChanges, conflicts } = planRecordSets(
          [{ fqdn: t.fqdn, members: d.members }],
          { owned: sets, foreign: actual.foreign.filter((s) => s.name === t.fqdn) },
          options.route53Ttl,
          options.policy,
        );
        // A family in conflict is left alone: its members are neither added nor removed.
        const blocked = new Set<number>(conflicts.map((c) => (c.type === 'A' ? 4 : 6)));
        const writable = (m: string): boolean => !blocked.has(canonicalIp(m)?.family ?? 0);
        plans.push({
          ...base,
          actual: have,
          recordChanges,
          conflicts: conflicts.map((c) => ({ type: c.type, with: c.with })),
          ...planMembership(d.members.filter(writable), have.filter(writable), options.policy),
        });
      }
    });
  }
  await queue.onIdle();
  return plans;
}

function errorOf(e: unknown): { code: string; message: string } {
  return {
    code: e instanceof AwsCallError ? e.code : e instanceof Error ? e.name : 'Error',
    message: e instanceof Error ? e.message : String(e),
  };
}
