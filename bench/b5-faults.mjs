// B5 faults: B2 with Route53's buckets and 20 ms latency, plus 30% throttling and 5% server errors on every call. It must converge exactly (checked member by member), in at most twice B2's time.
import { BURST, burstOnce } from './b2-burst.mjs';
import { startBench, summary } from './lib/harness.mjs';

/** B5: `rounds` bursts with faults. */
export async function faults(bench, { rounds = 5, log = console.log } = {}) {
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    const run = await burstOnce(bench, BURST, {
      faults: { route53Rps: 10, latencyMs: 20, throttleRate: 0.3, errorRate: 0.05, seed: 5 + r },
    });
    log(
      `B5 run ${r + 1}: converged exactly in ${run.convergeSeconds.toFixed(1)} s; calls ELB ${run.calls.elb}, ` +
        `Route53 ${run.calls.route53}, ${run.failed} answered with a fault`,
    );
    runs.push(run);
  }
  return {
    convergeSeconds: summary(runs.map((r) => r.convergeSeconds)),
    failedCalls: summary(runs.map((r) => r.failed)),
    calls: { elb: summary(runs.map((r) => r.calls.elb)), route53: summary(runs.map((r) => r.calls.route53)) },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    console.log(JSON.stringify(await faults(bench), null, 2));
  } finally {
    await bench.stop();
  }
}
