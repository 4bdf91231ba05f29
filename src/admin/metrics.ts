import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReconcileObserver, Reconciler, TargetStatus } from '../reconcile/reconciler.js';
import { addAttemptMiddleware } from '../providers/sdk-middleware.js';
import type { Target } from '../tree/types.js';

const PLAIN = ['single', 'multiple', 'none'];

/** What the metrics read from the running daemon when scraped. */
export interface MetricsSources {
  readonly reconciler: Reconciler;
  /** 1 when this replica may write (leader, or election disabled). */
  readonly isLeader: () => boolean;
  readonly watchRestarts: () => number;
  /** Unix time (s) of the last completed full pass, or undefined. */
  readonly lastFullSync: () => number | undefined;
}

/** The daemon's Prometheus metrics, in a registry of its own. */
export class Metrics {
  readonly registry = new Registry();
  readonly reconciles: Counter<'kind' | 'outcome'>;
  readonly reconcileSeconds: Histogram<'kind'>;
  readonly awsCalls: Counter<'service' | 'operation' | 'outcome'>;
  readonly errors: Counter<'kind' | 'code'>;
  private sources: MetricsSources | undefined;

  constructor() {
    const registers = [this.registry];
    // prom-client's own names (process_cpu_seconds_total, nodejs_heap_size_used_bytes…) are the standard ones every
    // Prometheus client exports and dashboards expect; a prefix here doubled theirs (lbmanager_process_process_…).
    collectDefaultMetrics({ register: this.registry });
    this.reconciles = new Counter({
      name: 'lbmanager_reconciles_total',
      help: 'Reconciles of a load balancer, target group or hosted zone, by outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.reconcileSeconds = new Histogram({
      name: 'lbmanager_reconcile_duration_seconds',
      help: 'Time one reconcile took, AWS calls included',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.awsCalls = new Counter({
      name: 'lbmanager_aws_calls_total',
      help: 'AWS API requests (each HTTP attempt), by service, operation and outcome (ok or the error code)',
      labelNames: ['service', 'operation', 'outcome'],
      registers,
    });
    this.errors = new Counter({
      name: 'lbmanager_errors_total',
      help: 'Failed reconciles, by target kind and AWS error code',
      labelNames: ['kind', 'code'],
      registers,
    });
    const sources = (): MetricsSources | undefined => this.sources;
    const gauge = (name: string, help: string, read: (s: MetricsSources) => number | undefined): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const s = sources();
          const v = s ? read(s) : undefined;
          if (v !== undefined) this.set(v);
        },
      });
    };
    const byKind = (name: string, help: string, read: (s: MetricsSources, kind: Target['kind']) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['kind'],
        registers,
        collect() {
          const s = sources();
          if (!s) return;
          for (const kind of ['elb', 'elbv2', 'route53'] as const) this.set({ kind }, read(s, kind));
        },
      });
    };
    gauge('lbmanager_queue_depth', 'Targets waiting for a reconcile or running one', (s) => s.reconciler.queueDepth);
    byKind('lbmanager_desired_members', 'Members the tree wants, summed over targets', (s, kind) =>
      sum(s.reconciler, kind, (t) => t.desired.length),
    );
    byKind('lbmanager_actual_members', 'Members AWS was last seen to have, summed over targets', (s, kind) =>
      sum(s.reconciler, kind, (t) => t.actual?.length ?? 0),
    );
    byKind('lbmanager_targets', 'Targets known to the daemon', (s, kind) => sum(s.reconciler, kind, () => 1));
    byKind('lbmanager_target_errors', 'Targets whose last reconcile failed', (s, kind) =>
      sum(s.reconciler, kind, (t) => (t.lastError ? 1 : 0)),
    );
    byKind('lbmanager_rejected_members', 'Members AWS rejected, not retried until their key changes', (s, kind) =>
      sum(s.reconciler, kind, (t) => t.rejected.length),
    );
    new Gauge({
      name: 'lbmanager_targets_by_class',
      help: 'Targets by the class of their newest key (single, multiple; route53 also weighted, multivalue; none)',
      labelNames: ['kind', 'class'],
      registers,
      collect() {
        const s = sources();
        if (!s) return;
        const counts = new Map<string, number>();
        for (const kind of ['elb', 'elbv2', 'route53'] as const) {
          const classes = kind === 'route53' ? [...PLAIN, 'weighted', 'multivalue'] : PLAIN;
          for (const c of classes) counts.set(`${kind} ${c}`, 0);
        }
        for (const t of s.reconciler.statuses()) {
          const k = `${t.kind} ${t.activeClass ?? 'none'}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        for (const [k, n] of counts) {
          const [kind = '', cls = ''] = k.split(' ');
          this.set({ kind, class: cls }, n);
        }
      },
    });
    new Gauge({
      name: 'lbmanager_route53_conflicts',
      help: 'Route53 names and families not written because a set lbmanager does not own is in the way',
      labelNames: ['with'],
      registers,
      collect() {
        const s = sources();
        if (!s) return;
        const counts: Record<string, number> = { alias: 0, 'routing-policy': 0, cname: 0 };
        for (const t of s.reconciler.statuses())
          for (const c of t.conflicts) counts[c.with] = (counts[c.with] ?? 0) + 1;
        for (const [w, n] of Object.entries(counts)) this.set({ with: w }, n);
      },
    });
    gauge('lbmanager_malformed_keys', 'Keys under the prefix that are not valid member keys', (s) =>
      s.reconciler.index.malformedCount(),
    );
    gauge('lbmanager_member_keys', 'Valid member keys in the tree', (s) => s.reconciler.index.memberKeyCount);
    gauge('lbmanager_tree_revision', 'etcd revision of the daemon view of the tree', (s) =>
      Number(s.reconciler.index.revision),
    );
    gauge('lbmanager_removals_held', '1 while the removal guard holds removals', (s) =>
      s.reconciler.removalHold.held ? 1 : 0,
    );
    gauge(
      'lbmanager_removals_pending',
      'Removals the tree implies, as last tallied by the guard',
      (s) => s.reconciler.removalHold.pending,
    );
    gauge(
      'lbmanager_last_successful_sync_timestamp_seconds',
      'When the last full pass over every target finished',
      (s) => s.lastFullSync(),
    );
    gauge('lbmanager_leader', '1 when this replica is the leader (or election is off)', (s) => (s.isLeader() ? 1 : 0));
    gauge(
      'lbmanager_watch_restarts',
      'Times the etcd watch was restarted after an error, disconnect or compaction',
      (s) => s.watchRestarts(),
    );
  }

  /** Connects the gauges to a running daemon. */
  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** The observer the reconciler reports to. */
  observer(): ReconcileObserver {
    return {
      reconciled: (kind, outcome, seconds, errorCode) => {
        this.reconciles.inc({ kind, outcome });
        this.reconcileSeconds.observe({ kind }, seconds);
        if (outcome === 'error') this.errors.inc({ kind, code: errorCode ?? 'Error' });
      },
    };
  }

  /** Counts every HTTP attempt of an SDK client by operation and outcome. */
  countAwsCalls(service: string, client: { middlewareStack: unknown }): void {
    addAttemptMiddleware(client, 'lbmanagerMetrics', (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      try {
        const out = await next(args);
        this.awsCalls.inc({ service, operation, outcome: 'ok' });
        return out;
      } catch (e) {
        const err = e as { Code?: string; name?: string; code?: string };
        this.awsCalls.inc({ service, operation, outcome: err.Code ?? err.code ?? err.name ?? 'Error' });
        throw e;
      }
    });
  }
}

function sum(r: Reconciler, kind: Target['kind'], f: (s: Readonly<TargetStatus>) => number): number {
  let n = 0;
  for (const s of r.statuses()) if (s.kind === kind) n += f(s);
  return n;
}
