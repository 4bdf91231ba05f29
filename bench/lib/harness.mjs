// What every benchmark needs: a real etcd, `lbmanager fake-aws` and `lbmanager run` as separate processes of the
// built CLI, fast key writes, the fake's call log, and the daemon's own process figures.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Etcd3 } from 'etcd3';
import {
  answersOk,
  awsEnv,
  CLI,
  shippedNodeFlags,
  deleteKeys,
  fakeControl,
  freePort,
  poll,
  putKeys,
  runArgs,
  sleep,
  startEtcdServer,
  startFakeAwsProcess,
  startProcess,
} from '../../scripts/lib/harness.mjs';

export { instanceId } from '../../scripts/lib/harness.mjs';
export { sleep };

/** Dummy credentials: the fake endpoint checks the signature's shape, not the secret. */
export const AWS_ENV = { ...process.env, ...awsEnv('bench'), LBM_LOG_FORMAT: 'json', LBM_LOG_LEVEL: 'info' };

/**
 * `LBM_BENCH_PROFILE=DIR` writes CPU profiles of the daemon and the fake endpoint to DIR, and `LBM_BENCH_NODE_ARGS`
 * passes further Node flags to both (e.g. `--trace-gc`): to find out why a bar is missed. The daemon runs with the flags
 * of the CLI's #! line, as installed; `LBM_BENCH_DAEMON_NODE_FLAGS` replaces them (to measure another choice).
 */
const nodeArgs = () => [
  ...(process.env.LBM_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LBM_BENCH_PROFILE}`] : []),
  ...(process.env.LBM_BENCH_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? []),
];

/** Epoch milliseconds with sub-millisecond precision (comparable with the fake's `receivedAt`). */
export const now = () => performance.timeOrigin + performance.now();

/** Starts etcd and the fake endpoint; returns them with a client and helpers. */
export async function startBench() {
  const etcd = await startEtcdServer({ extraArgs: ['--quota-backend-bytes=8589934592'] });
  const client = new Etcd3({ hosts: [etcd.endpoint] });
  const fake = await startFakeAwsProcess({ nodeArgs: nodeArgs() });
  return {
    etcd,
    client,
    fakeUrl: fake.url,
    async stop() {
      client.close();
      await fake.stop();
      await etcd.stop();
    },
  };
}

/** Starts `lbmanager run` against the bench's etcd and fake endpoint; resolves once its admin endpoint answers. */
export async function startDaemon(bench, args = []) {
  const port = await freePort();
  const adminUrl = `http://127.0.0.1:${port}`;
  const startedAt = now();
  const p = startProcess(
    process.execPath,
    [
      // As installed: the flags of the CLI's own #! line (the image's ENTRYPOINT has the same).
      ...(process.env.LBM_BENCH_DAEMON_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? shippedNodeFlags()),
      ...nodeArgs(),
      CLI,
      ...runArgs({
        etcdEndpoint: bench.etcd.endpoint,
        awsUrl: bench.fakeUrl,
        adminListen: `127.0.0.1:${port}`,
        identity: 'bench',
      }),
      ...args,
    ],
    { env: AWS_ENV },
  );
  await poll(
    "the daemon's admin endpoint",
    async () => {
      if (p.proc.exitCode !== null) throw new Error(`the daemon exited:\n${p.output().slice(-3000)}`);
      return answersOk(`${adminUrl}/healthz`);
    },
    60_000,
    5,
  );
  return { ...p, adminUrl, startedAt, pid: p.proc.pid };
}

/** Polls /readyz until 200; returns the time it first answered 200. */
export async function waitReady(daemon, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`${daemon.adminUrl}/readyz`).catch(() => undefined);
    if (r?.ok) return now();
    if (Date.now() > end) throw new Error(`not ready: ${r ? await r.text() : 'no answer'}`);
    await sleep(5);
  }
}

/** Polls `check` until it returns truthy. */
export function waitUntil(what, check, timeoutMs = 300_000, intervalMs = 50) {
  return poll(what, check, timeoutMs, intervalMs);
}

/** Peak and current resident memory of a process, in MB, as the kernel counts them (VmHWM, VmRSS). */
export function memoryOf(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakMb: kb('VmHWM') / 1024, rssMb: kb('VmRSS') / 1024 };
}

/** One sample of the daemon's /metrics. */
export async function metric(daemon, name) {
  const text = await (await fetch(`${daemon.adminUrl}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Writes keys in transactions of 128 puts (etcd's default limit): setting up a tree, not a measured burst. */
export const putAll = (client, keys, value = '') => putKeys(client, keys, value);

/** Deletes keys in transactions of 128. */
export const deleteAll = (client, keys) => deleteKeys(client, keys);

/** Puts keys one by one, `inFlight` at a time, as fast as etcd takes them: each put is its own revision and event. */
export async function putEach(client, keys, inFlight = 64, value = '') {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const k = keys[next++];
      await client.put(k).value(value);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Deletes keys one by one, `inFlight` at a time; returns the revision of the last delete. */
export async function deleteEach(client, keys, inFlight = 64) {
  let next = 0;
  let revision = 0;
  const worker = async () => {
    while (next < keys.length) {
      const k = keys[next++];
      const res = await client.delete().key(k).exec();
      revision = Math.max(revision, Number(res.header.revision));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return revision;
}

/** The fake's state. */
export function fakeState(bench) {
  return fakeControl(bench.fakeUrl).state();
}

/** Replaces the fake's state and empties its call log; every fault off unless given. */
export async function resetFake(bench, state, faults = {}) {
  await fakeControl(bench.fakeUrl).reset(state);
  await setFaults(bench, {
    latencyMs: 0,
    jitterMs: 0,
    throttleRate: 0,
    errorRate: 0,
    route53Rps: 0,
    elbRps: 0,
    ...faults,
  });
}

/** Sets the fake's faults. */
export function setFaults(bench, faults) {
  return fakeControl(bench.fakeUrl).setFaults(faults);
}

/** The fake's call log since a sequence number. */
export async function calls(bench, since = 0) {
  return (await fakeControl(bench.fakeUrl).calls(since)).calls;
}

/** The last sequence number of the fake's call log. */
export async function lastSeq(bench) {
  const all = await calls(bench);
  return all.length > 0 ? all[all.length - 1].seq : 0;
}

/** Median, minimum and maximum. */
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

/** The p-th percentile (nearest rank). */
export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The machine, for the results table. */
export function machine(bench) {
  const etcdVersion = /etcd Version: (\S+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    etcd: etcdVersion ?? 'unknown',
    date: new Date().toISOString().slice(0, 10),
    etcdEndpoint: bench?.etcd.endpoint,
  };
}

/** Removes the tree and the daemon's state record, so the next run starts from nothing. */
export async function clearTree(bench) {
  await bench.client.delete().prefix('/lbManager/');
  await bench.client.delete().prefix('/_lbmanager/');
}
