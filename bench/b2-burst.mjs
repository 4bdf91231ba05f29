// B2 burst efficiency: 200 load balancers x 50 instances and 20 zones x 50 names x 10 IPs, every key put on its own
// as fast as etcd takes them, starting from empty load balancers and zones. Counts AWS calls per service against the
// lower bound and the original lbManager's pattern; then, with the fake enforcing Route53's token buckets as the
// developer guide gives them (requests: burst 50, 10 a second; changes: burst 1000, 100 a second, an UPSERT counting
// two) and 20 ms latency, measures the time to converge against the least time those buckets allow.
import {
  calls,
  clearTree,
  fakeState,
  lastSeq,
  now,
  putEach,
  resetFake,
  startBench,
  startDaemon,
  summary,
  waitReady,
  waitUntil,
} from './lib/harness.mjs';
import { matches, workload } from './lib/workloads.mjs';

const WRITE = /^(Register|Deregister|ChangeResourceRecordSets)/;

/** The full-size burst; `quick` is the CI version. */
export const BURST = { lbs: 200, perLb: 50, zones: 20, names: 50, ips: 10 };
export const QUICK_BURST = { lbs: 20, perLb: 50, zones: 4, names: 50, ips: 10 };

/**
 * The fewest calls any tool could make: per load balancer one Describe and one Register per 100 instances; per zone
 * one listing page (the zone starts with its SOA and NS only) and one change batch per 1000 records (UPSERT counting
 * double).
 */
export function lowerBound(size) {
  return {
    elb: size.lbs * (1 + Math.ceil(size.perLb / 100)),
    route53: size.zones * (1 + Math.ceil((size.names * size.ips * 2) / 1000)),
  };
}

/** The original lbManager's pattern (from its source): one read and one write per member change. */
export function originalPattern(size) {
  return { elb: 2 * size.lbs * size.perLb, route53: 2 * size.zones * size.names * size.ips };
}

/** Route53's buckets as the fake enforces them by default (the developer guide's figures). */
export const ROUTE53_BUCKETS = {
  requestBurst: 50,
  requestRate: 10,
  changeBurst: 1000,
  changeRate: 100,
  upsertChanges: 2,
};

/**
 * The least time Route53's buckets allow for `requests` requests making `changes` record changes, once the bucket
 * burst is spent; and the keys themselves arrive over `writeSeconds`: nothing converges before the last put.
 */
export function bucketSeconds({ requests, changes, writeSeconds }) {
  const b = ROUTE53_BUCKETS;
  return Math.max(writeSeconds, (requests - b.requestBurst) / b.requestRate, (changes - b.changeBurst) / b.changeRate);
}

/** One burst from empty to converged; returns calls and times. */
export async function burstOnce(bench, size, { faults = {}, daemonArgs = [], inFlight = 256 } = {}) {
  const w = workload({ ...size, tag: 'b2' });
  await clearTree(bench);
  await resetFake(bench, w.empty, faults);
  const d = await startDaemon(bench, daemonArgs);
  await waitReady(d);
  const since = await lastSeq(bench);
  const t0 = now();
  await putEach(bench.client, w.keys, inFlight);
  const written = now();
  await waitUntil('converged', async () => matches(await fakeState(bench), w.expected), 600_000, 100);
  const log = await calls(bench, since);
  await d.stop();
  const lastWrite = Math.max(
    ...log.filter((c) => WRITE.test(c.operation) && c.outcome === 'ok').map((c) => c.receivedAt + c.durationMs),
  );
  const count = (service) => log.filter((c) => c.service === service).length;
  // Record changes as the change bucket counts them, from the batches Route53 took.
  const changes = log
    .filter((c) => c.operation === 'ChangeResourceRecordSets' && c.outcome === 'ok')
    .flatMap((c) => c.members ?? [])
    .reduce((n, m) => n + (m.startsWith('UPSERT') ? ROUTE53_BUCKETS.upsertChanges : 1), 0);
  return {
    keys: w.keys.length,
    writeSeconds: (written - t0) / 1000,
    convergeSeconds: (lastWrite - t0) / 1000,
    afterLastPutSeconds: Math.max(0, lastWrite - written) / 1000,
    calls: { elb: count('elb'), route53: count('route53') },
    route53Changes: changes,
    failed: log.filter((c) => c.outcome !== 'ok').length,
  };
}

/** B2: `rounds` bursts without limits (calls) and `rounds` with Route53's buckets enforced (time). */
export async function burst(bench, { rounds = 5, quick = false, log = console.log } = {}) {
  const size = quick ? QUICK_BURST : BURST;
  const unlimited = [];
  for (let r = 0; r < rounds; r++) {
    const run = await burstOnce(bench, size, { daemonArgs: ['--route53-rps', '0'] });
    log(
      `B2 unlimited ${r + 1}: ${run.keys} keys in ${run.writeSeconds.toFixed(1)} s; calls ELB ${run.calls.elb}, ` +
        `Route53 ${run.calls.route53}; converged ${run.convergeSeconds.toFixed(1)} s`,
    );
    unlimited.push(run);
  }
  const limited = [];
  if (!quick) {
    for (let r = 0; r < rounds; r++) {
      const b = ROUTE53_BUCKETS;
      const run = await burstOnce(bench, size, {
        faults: {
          latencyMs: 20,
          route53Rps: b.requestRate,
          route53Burst: b.requestBurst,
          route53ChangeRate: b.changeRate,
          route53ChangeBurst: b.changeBurst,
          route53UpsertChanges: b.upsertChanges,
        },
      });
      const floor = bucketSeconds({
        requests: run.calls.route53,
        changes: run.route53Changes,
        writeSeconds: run.writeSeconds,
      });
      log(
        `B2 Route53 buckets ${r + 1}: calls ELB ${run.calls.elb}, Route53 ${run.calls.route53} making ` +
          `${run.route53Changes} changes; converged ${run.convergeSeconds.toFixed(1)} s ` +
          `(${run.afterLastPutSeconds.toFixed(1)} s after the last put; the buckets allow ${floor.toFixed(1)} s)`,
      );
      limited.push({ ...run, floorSeconds: floor });
    }
  }
  return {
    size,
    keys: unlimited[0]?.keys,
    lowerBound: lowerBound(size),
    original: originalPattern(size),
    calls: {
      elb: summary(unlimited.map((r) => r.calls.elb)),
      route53: summary(unlimited.map((r) => r.calls.route53)),
    },
    writeSeconds: summary(unlimited.map((r) => r.writeSeconds)),
    limited:
      limited.length === 0
        ? undefined
        : {
            route53Calls: summary(limited.map((r) => r.calls.route53)),
            route53Changes: summary(limited.map((r) => r.route53Changes)),
            floorSeconds: summary(limited.map((r) => r.floorSeconds)),
            throttled: summary(limited.map((r) => r.failed)),
            convergeSeconds: summary(limited.map((r) => r.convergeSeconds)),
            afterLastPutSeconds: summary(limited.map((r) => r.afterLastPutSeconds)),
            writeSeconds: summary(limited.map((r) => r.writeSeconds)),
          },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    console.log(JSON.stringify(await burst(bench, { quick: process.argv.includes('--quick') }), null, 2));
  } finally {
    await bench.stop();
  }
}
