// B1 cold start and B4 steady memory and events.
// B1: 100,000 member keys (1,000 load balancers x 50 instances; 100 zones x 50 names x 10 IPs) already matching the
// fake endpoint; from process start to /readyz 200, and peak RSS. The etcd read alone, with lbmanager's own paged
// snapshot reader, is the floor. B4: on that daemon, 50,000 key changes (25,000 members join, then leave) as fast as
// etcd takes them; how far the daemon's view trails etcd when the writes end, and its memory against B1's.
import { createEtcdClient } from '../dist/etcd/client.js';
import { readSnapshot } from '../dist/etcd/snapshot.js';
import {
  calls,
  clearTree,
  deleteEach,
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
  // B4's churn: 25 instances join each load balancer and leave again: 50,000 changes, the tree ends as it began.
  const extra = Object.keys(w.expected.elb).flatMap((lb, l) =>
    Array.from(
      { length: 25 },
      (_, i) => `/lbManager/elb/us-east-1/${lb}/multiple/${instanceId(10_000_000 + l * 25 + i)}`,
    ),
  );
  const changes = extra.length * 2;
  const runs = [];
  for (let r = 0; r < rounds; r++) {
    await resetFake(bench, w.matching);
    const d = await startDaemon(bench, ['--route53-rps', '0']);
    const ready = await waitReady(d);
    const coldStartMs = ready - d.startedAt;
    const b1Memory = memoryOf(d.pid);
    const b1HeapMb = (await metric(d, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
    const writes = (await calls(bench)).filter((c) => WRITES.test(c.operation)).length;
    // B4
    const t0 = now();
    await putEach(bench.client, extra, 64);
    // The revision of the tree's last change (the global revision also moves with the daemon's own state record).
    const lastChange = await deleteEach(bench.client, extra, 64);
    const writesEnd = now();
    await waitUntil(
      'the daemon view catches up',
      async () => (await metric(d, 'lbmanager_tree_revision')) >= lastChange,
      120_000,
      // Not faster: every scrape of /metrics costs the daemon CPU it needs to catch up.
      50,
    );
    const lagMs = now() - writesEnd;
    // Let the reconciles the churn caused finish, then read memory: the peak over B4, and what is left.
    await waitReady(d);
    const b4Memory = memoryOf(d.pid);
    const b4HeapMb = (await metric(d, 'nodejs_heap_size_used_bytes')) / 2 ** 20;
    await d.stop();
    const run = {
      coldStartMs,
      peakRssMb: b1Memory.peakMb,
      writesAtStart: writes,
      b4: {
        writeSeconds: (writesEnd - t0) / 1000,
        changesPerSecond: changes / ((writesEnd - t0) / 1000),
        lagMs,
        peakRssMb: b4Memory.peakMb,
        rssRatio: b4Memory.peakMb / b1Memory.peakMb,
        endRssMb: b4Memory.rssMb,
        heapUsedMb: { b1: b1HeapMb, end: b4HeapMb },
      },
    };
    log(
      `B1 round ${r + 1}: ready in ${coldStartMs.toFixed(0)} ms, peak RSS ${b1Memory.peakMb.toFixed(0)} MB, ` +
        `${writes} writes; B4: ${changes} changes in ${run.b4.writeSeconds.toFixed(1)} s, view lag ${lagMs.toFixed(0)} ms, ` +
        `peak RSS ${b4Memory.peakMb.toFixed(0)} MB (${run.b4.rssRatio.toFixed(2)}x), at the end ${b4Memory.rssMb.toFixed(0)} MB; ` +
        `JS heap in use ${b1HeapMb.toFixed(0)} MB after B1, ${b4HeapMb.toFixed(0)} MB after B4`,
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
      changes,
      changesPerSecond: summary(runs.map((r) => r.b4.changesPerSecond)),
      endRssMb: summary(runs.map((r) => r.b4.endRssMb)),
      heapUsedB1Mb: summary(runs.map((r) => r.b4.heapUsedMb.b1)),
      heapUsedEndMb: summary(runs.map((r) => r.b4.heapUsedMb.end)),
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
