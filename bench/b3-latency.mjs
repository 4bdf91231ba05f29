// B3 change latency: 200 single key puts, 100 ms apart, each to a different load balancer, with default settings.
// Latency is from the moment the put is sent to etcd to the moment the RegisterInstancesWithLoadBalancer call for that
// load balancer arrives at the fake endpoint (both clocks are this machine's).
import {
  calls,
  clearTree,
  instanceId,
  lastSeq,
  now,
  percentile,
  resetFake,
  sleep,
  startBench,
  startDaemon,
  summary,
  waitReady,
  waitUntil,
} from './lib/harness.mjs';

const CHANGES = 200;
const GAP_MS = 100;

/** One run of 200 changes; returns every latency in ms. */
export async function latencyOnce(bench, changes = CHANGES) {
  const lbs = Array.from({ length: changes }, (_, i) => `b3-lb-${String(i).padStart(4, '0')}`);
  await clearTree(bench);
  await resetFake(bench, {
    elb: { 'us-east-1': Object.fromEntries(lbs.map((lb) => [lb, { instances: [] }])) },
    elbv2: {},
    route53: { zones: {} },
    terminated: {},
  });
  const d = await startDaemon(bench);
  await waitReady(d);
  const since = await lastSeq(bench);
  const sentAt = new Map();
  for (const [i, lb] of lbs.entries()) {
    const t = now();
    sentAt.set(lb, t);
    await bench.client.put(`/lbManager/elb/us-east-1/${lb}/single/${instanceId(i + 1)}`).value('');
    const wait = GAP_MS - (now() - t);
    if (wait > 0) await sleep(wait);
  }
  const registers = await waitUntil('every change registered', async () => {
    const log = (await calls(bench, since)).filter((c) => c.operation === 'RegisterInstancesWithLoadBalancer');
    return new Set(log.map((c) => c.target)).size >= lbs.length ? log : undefined;
  });
  await d.stop();
  const first = new Map();
  for (const c of registers) if (!first.has(c.target)) first.set(c.target, c.receivedAt);
  return lbs.map((lb) => first.get(lb) - sentAt.get(lb));
}

/** B3: `rounds` runs; p50 and p99 per run, and every latency for the chart. */
export async function latency(bench, { rounds = 5, log = console.log } = {}) {
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const ms = await latencyOnce(bench);
    const run = { p50: percentile(ms, 50), p99: percentile(ms, 99), max: Math.max(...ms), latencies: ms };
    log(`B3 run ${r + 1}: p50 ${run.p50.toFixed(1)} ms, p99 ${run.p99.toFixed(1)} ms, max ${run.max.toFixed(1)} ms`);
    runs.push(run);
  }
  return {
    changes: CHANGES,
    p50Ms: summary(runs.map((r) => r.p50)),
    p99Ms: summary(runs.map((r) => r.p99)),
    latencies: runs.flatMap((r) => r.latencies),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    const r = await latency(bench);
    console.log(JSON.stringify({ ...r, latencies: undefined }, null, 2));
  } finally {
    await bench.stop();
  }
}
