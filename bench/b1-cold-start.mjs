// B1 cold start and B4 steady memory and events.
// B1: 100,000 member keys (1,000 load balancers x 50 instances; 100 zones x 50 names x 10 IPs) already matching the
// fake endpoint; from process start to /readyz 200, and peak RSS. The etcd read alone, with lbmanager's own paged
// snapshot reader, is the floor. B4: on that daemon, 50,000 more keys put as fast as etcd takes them; how far the
// daemon's view trails etcd when the writes end, and its memory against B1's.
import { createEtcdClient } from '../dist/etcd/client.js';
import { readSnapshot } from '../dist/etcd/source.js';
import {
  calls,
  clearTree,
  deleteAll,
  instanceId,
  memoryOf,
  metric,
  now,
  putAll,
  putEach,
  resetFake,
  startBench,
  startDaemon,
  summary,
  waitReady,
  waitUntil,
} from './lib/harness.mjs';
import { workload } from './lib/workloads.mjs';

const WRITES = /^(Register|Deregister|ChangeResourceRecordSets)/;

/** Runs B1 (and B4 on the same daemon) `rounds` times. */
export async function coldStart(bench, { rounds = 5, log = console.log } = {}) {
  const w = workload({ lbs: 1000, perLb: 50, zones: 100, names: 50, ips: 10, tag: 'b1' });
  await clearTree(bench);
  log(`B1: writing ${w.keys.length} keys`);
  await putAll(bench.client, w.keys);
  const reader = createEtcdClient({ endpoints: [bench.etcd.endpoint] });
  const readMs = [];
  for (let i = 0; i < rounds; i++) {
    const t = now();
    const snap = await readSnapshot(reader, '/lbManager');
    readMs.push(now() - t);
    if (snap.entries.length !== w.keys.length) throw new Error(`read ${snap.entries.length} keys`);
  }
  reader.close();
  // B4's extra members: 50 more instances on each load balancer.
  const extra = Object.keys(w.expected.elb).flatMap((lb, l) =>
    Array.from(
      { length: 50 },
      (_, i) => `/lbManager/elb/us-east-1/${lb}/multiple/${instanceId(10_000_000 + l * 50 + i)}`,
    ),
  );
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    await resetFake(bench, w.matching);
    const d = await startDaemon(bench, ['--route53-rps', '0']);
    const ready = await waitReady(d);
    const coldStartMs = ready - d.startedAt;
    const b1Memory = memoryOf(d.pid);
    const writes = (await calls(bench)).filter((c) => WRITES.test(c.operation)).length;
    // B4
    const t0 = now();
    await putEach(bench.client, extra, 64);
    const writesEnd = now();
    const etcdRevision = Number((await bench.client.get('/lbManager/').exec()).header.revision);
    await waitUntil(
      'the daemon view catches up',
      async () => (await metric(d, 'lbmanager_tree_revision')) >= etcdRevision,
      120_000,
      5,
    );
    const lagMs = now() - writesEnd;
    const b4Memory = memoryOf(d.pid);
    await d.stop();
    await deleteAll(bench.client, extra);
    const run = {
      coldStartMs,
      peakRssMb: b1Memory.peakMb,
      writesAtStart: writes,
      b4: {
        keys: extra.length,
        writeSeconds: (writesEnd - t0) / 1000,
        keysPerSecond: extra.length / ((writesEnd - t0) / 1000),
        lagMs,
        peakRssMb: b4Memory.peakMb,
        rssRatio: b4Memory.peakMb / b1Memory.peakMb,
      },
    };
    log(
      `B1 round ${r + 1}: ready in ${coldStartMs.toFixed(0)} ms, peak RSS ${b1Memory.peakMb.toFixed(0)} MB, ` +
        `${writes} writes; B4: ${extra.length} keys in ${run.b4.writeSeconds.toFixed(1)} s, view lag ${lagMs.toFixed(0)} ms, ` +
        `peak RSS ${b4Memory.peakMb.toFixed(0)} MB (${run.b4.rssRatio.toFixed(2)}x)`,
    );
    runs.push(run);
  }
  await clearTree(bench);
  return {
    keys: w.keys.length,
    etcdReadMs: summary(readMs),
    coldStartMs: summary(runs.map((r) => r.coldStartMs)),
    peakRssMb: summary(runs.map((r) => r.peakRssMb)),
    writesAtStart: Math.max(...runs.map((r) => r.writesAtStart)),
    b4: {
      keys: extra.length,
      keysPerSecond: summary(runs.map((r) => r.b4.keysPerSecond)),
      lagMs: summary(runs.map((r) => r.b4.lagMs)),
      peakRssMb: summary(runs.map((r) => r.b4.peakRssMb)),
      rssRatio: summary(runs.map((r) => r.b4.rssRatio)),
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    console.log(JSON.stringify(await coldStart(bench), null, 2));
  } finally {
    await bench.stop();
  }
}
