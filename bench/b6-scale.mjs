// B6 scale: how cost grows with the tree. For 10,000, 100,000 and 1,000,000 member keys (half Classic ELB members, half
// Route53 members, already matching the fake endpoint): `etcdctl get --prefix --keys-only` (etcd's own client reading
// everything in one range), lbmanager's snapshot reader alone, lbmanager's cold start to /readyz and its peak RSS, then
// 20,000 changes paced at 2,000 a second and how far the daemon's view trails etcd when they end.
// Each size has its own etcd whose data dir is kept in bench/.data between runs: loading a million keys takes longer
// than measuring them. `LBM_BENCH_SCALE_SIZES=10000,100000` picks sizes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEtcdClient } from '../dist/etcd/client.js';
import { readSnapshot } from '../dist/etcd/snapshot.js';
import { Etcd3 } from 'etcd3';
import { startEtcdServer } from '../scripts/lib/harness.mjs';
import {
  calls,
  instanceId,
  memoryOf,
  metric,
  now,
  putAll,
  resetFake,
  sleep,
  startBench,
  startDaemon,
  summary,
  waitReady,
  waitUntil,
} from './lib/harness.mjs';
import { workload } from './lib/workloads.mjs';

const DATA = fileURLToPath(new URL('.data/', import.meta.url));
const WRITES = /^(Register|Deregister|ChangeResourceRecordSets)/;
export const SCALE_SIZES = (process.env.LBM_BENCH_SCALE_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const CHANGES = 20_000;
const RATE = 2000;

/** The tree of `keys` member keys: half load balancer members (50 each), half DNS members (500 per zone). */
function scaleWorkload(keys) {
  return workload({ lbs: keys / 100, perLb: 50, zones: keys / 1000, names: 50, ips: 10, tag: `s${keys}` });
}

/** An etcd holding the tree, its data dir reused when an earlier run loaded the same tree. */
async function etcdWithTree(keys, w, log) {
  const dataDir = `${DATA}etcd-${keys}`;
  const marker = `${dataDir}.json`;
  const loaded = existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).keys === keys;
  if (!loaded) rmSync(dataDir, { recursive: true, force: true });
  const etcd = await startEtcdServer({ dataDir, extraArgs: ['--quota-backend-bytes=8589934592'] });
  if (!loaded) {
    const client = new Etcd3({ hosts: [etcd.endpoint] });
    const t = now();
    log(`B6 ${keys}: loading ${w.keys.length} keys into ${dataDir} (once; kept for later runs)`);
    await putAll(client, w.keys);
    client.close();
    writeFileSync(marker, JSON.stringify({ keys }));
    log(`B6 ${keys}: loaded in ${((now() - t) / 1000).toFixed(0)} s`);
  }
  return etcd;
}

/** Milliseconds `etcdctl get --prefix --keys-only` takes to read (and print, to nowhere) the whole tree. */
function etcdctlReadMs(endpoint) {
  return new Promise((resolve, reject) => {
    const t = now();
    const p = spawn('etcdctl', [`--endpoints=${endpoint}`, 'get', '--prefix', '--keys-only', '/lbManager/'], {
      env: { ...process.env, ETCDCTL_API: '3' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(now() - t) : reject(new Error(`etcdctl get: ${code} ${err}`))));
  });
}

/** 20,000 changes at 2,000 a second (members joining load balancers, then leaving); the revision of the last. */
async function pacedChurn(client, lbs) {
  const extra = Array.from(
    { length: CHANGES / 2 },
    (_, i) => `/lbManager/elb/us-east-1/${lbs[i % lbs.length]}/multiple/${instanceId(50_000_000 + i)}`,
  );
  const ops = [...extra.map((k) => ['put', k]), ...extra.map((k) => ['delete', k])];
  const t0 = now();
  let last = 0;
  const inFlight = new Set();
  for (let i = 0; i < ops.length; i++) {
    // On schedule: op i is sent at i / RATE seconds.
    const wait = t0 + (i * 1000) / RATE - now();
    if (wait > 0) await sleep(wait);
    const [op, key] = ops[i];
    const p = (op === 'put' ? client.put(key).value('').exec() : client.delete().key(key).exec()).then((res) => {
      last = Math.max(last, Number(res.header.revision));
      inFlight.delete(p);
    });
    inFlight.add(p);
    if (inFlight.size >= 256) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return { lastRevision: last, seconds: (now() - t0) / 1000 };
}

/** B6 for one size: `rounds` of each measure. */
async function scaleOne(bench, keys, { rounds, log }) {
  const w = scaleWorkload(keys);
  const etcd = await etcdWithTree(keys, w, log);
  const onSize = { ...bench, etcd };
  const client = new Etcd3({ hosts: [etcd.endpoint] });
  try {
    const etcdctlMs = [];
    const readMs = [];
    const reader = createEtcdClient({ endpoints: [etcd.endpoint] });
    for (let i = 0; i < rounds; i++) {
      etcdctlMs.push(await etcdctlReadMs(etcd.endpoint));
      const t = now();
      const snap = await readSnapshot(reader, '/lbManager');
      readMs.push(now() - t);
      if (snap.entries.length !== w.keys.length) throw new Error(`read ${snap.entries.length} of ${w.keys.length}`);
    }
    reader.close();
    const runs = [];
    for (let r = 0; r < rounds; r++) {
      await resetFake(bench, w.matching);
      const d = await startDaemon(onSize, ['--route53-rps', '0', '--no-leader-election', '--resync-interval', '0']);
      const ready = await waitReady(d, 600_000);
      const coldStartMs = ready - d.startedAt;
      const startMemory = memoryOf(d.pid);
      const writes = (await calls(bench)).filter((c) => WRITES.test(c.operation)).length;
      const churn = await pacedChurn(client, Object.keys(w.expected.elb));
      const writesEnd = now();
      await waitUntil(
        'the daemon view catches up',
        async () => (await metric(d, 'lbmanager_tree_revision')) >= churn.lastRevision,
        300_000,
        50,
      );
      const lagMs = now() - writesEnd;
      const endMemory = memoryOf(d.pid);
      await d.stop();
      runs.push({ coldStartMs, peakRssMb: startMemory.peakMb, churnPeakRssMb: endMemory.peakMb, lagMs, writes });
      log(
        `B6 ${keys} round ${r + 1}: etcdctl ${etcdctlMs[r].toFixed(0)} ms, lbmanager's read ${readMs[r].toFixed(0)} ms, ` +
          `ready in ${coldStartMs.toFixed(0)} ms, peak RSS ${startMemory.peakMb.toFixed(0)} MB (${endMemory.peakMb.toFixed(0)} MB ` +
          `after ${CHANGES} changes in ${churn.seconds.toFixed(1)} s), view lag ${lagMs.toFixed(0)} ms, ${writes} writes`,
      );
    }
    return {
      keys,
      etcdctlReadMs: summary(etcdctlMs),
      readMs: summary(readMs),
      coldStartMs: summary(runs.map((r) => r.coldStartMs)),
      peakRssMb: summary(runs.map((r) => r.peakRssMb)),
      churnPeakRssMb: summary(runs.map((r) => r.churnPeakRssMb)),
      lagMs: summary(runs.map((r) => r.lagMs)),
      writesAtStart: Math.max(...runs.map((r) => r.writes)),
    };
  } finally {
    client.close();
    await etcd.stop();
  }
}

/** B6: every size in {@link SCALE_SIZES}. */
export async function scale(bench, { rounds = 5, log = console.log } = {}) {
  const sizes = [];
  for (const keys of SCALE_SIZES) sizes.push(await scaleOne(bench, keys, { rounds, log }));
  return { changes: CHANGES, rate: RATE, sizes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    const rounds = Number(process.env.LBM_BENCH_ROUNDS ?? 5);
    console.log(JSON.stringify(await scale(bench, { rounds }), null, 2));
  } finally {
    await bench.stop();
  }
}
