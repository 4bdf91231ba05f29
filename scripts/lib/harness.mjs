// The one harness of the tests, the benchmarks and the demo: etcd on free ports with a temporary data dir, the built
// lbmanager CLI (`fake-aws` and `run`, wired to each other the same way everywhere), the fake's control API and key
// writes. Plain JavaScript so the demo and the benchmarks run without a compiler; harness.d.mts types it for the tests.
// Every process started here is killed when this process exits.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The Node flags the built CLI's `#!/usr/bin/env -S node …` line gives it: the daemon as installed runs with them. */
export function shippedNodeFlags() {
  const first = readFileSync(CLI, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env(?: -S)? node((?: --?[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!m) throw new Error(`${CLI}: unexpected first line ${JSON.stringify(first)}`);
  return m[1].split(' ').filter(Boolean);
}

const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts a process, remembering its output; killed on exit. */
export function startProcess(cmd, args, options = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(proc);
  let output = '';
  proc.stdout.on('data', (d) => {
    output += d;
    options.onOutput?.(String(d));
  });
  proc.stderr.on('data', (d) => {
    output += d;
    options.onOutput?.(String(d));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  return {
    proc,
    exited,
    output: () => output,
    async waitFor(pattern, timeoutMs = 20000) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const m = pattern.exec(output);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`${cmd} exited (${proc.exitCode}) before ${pattern}:\n${output}`);
        await sleep(50);
      }
      throw new Error(`timed out waiting for ${pattern} from ${cmd}:\n${output.slice(-3000)}`);
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exited;
      children.delete(proc);
      return r;
    },
  };
}

/** Whether etcd's /health answers 200 (over TLS with the client certificate when the server wants one). */
function healthy(endpoint, tls) {
  if (!tls) return fetch(`${endpoint}/health`).then((r) => r.ok);
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      `${endpoint}/health`,
      { ca: readFileSync(tls.ca), cert: readFileSync(tls.client.cert), key: readFileSync(tls.client.key) },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', reject);
  });
}

/** Starts etcd on free loopback ports with a fresh data dir; resolves once it answers. */
export async function startEtcdServer(options = {}) {
  const etcdBin = options.etcdBin ?? process.env.LBM_TEST_ETCD_BIN ?? 'etcd';
  const etcdctlBin = options.etcdctlBin ?? 'etcdctl';
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  // A data dir of the caller's is kept (a benchmark reuses a large tree between runs); a temporary one is removed.
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lbm-etcd-'));
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const tls = options.tls;
  const endpoint = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`;
  const tlsArgs = tls
    ? [`--cert-file=${tls.cert}`, `--key-file=${tls.key}`, `--trusted-ca-file=${tls.ca}`, '--client-cert-auth']
    : [];
  const ctlTlsArgs = tls ? [`--cacert=${tls.ca}`, `--cert=${tls.client.cert}`, `--key=${tls.client.key}`] : [];
  const args = [
    '--name=lbm',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=lbm=http://127.0.0.1:${peerPort}`,
    '--auto-compaction-retention=0',
    `--quota-backend-bytes=${4 * 1024 * 1024 * 1024}`,
    '--log-level=error',
    '--logger=zap',
    ...tlsArgs,
    ...(options.extraArgs ?? []),
  ];
  let p;
  const launch = async () => {
    p = startProcess(etcdBin, args);
    let spawnError;
    p.proc.on('error', (e) => (spawnError = e));
    const end = Date.now() + 30000;
    for (;;) {
      try {
        if (await healthy(endpoint, tls)) return;
      } catch {
        // not up yet
      }
      if (spawnError) throw new Error(`cannot start etcd (${etcdBin}): ${spawnError.message}`);
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) {
        throw new Error(`etcd exited (${etcdBin}):\n${p.output()}`);
      }
      if (Date.now() > end) throw new Error(`etcd did not answer on ${endpoint}:\n${p.output()}`);
      await sleep(100);
    }
  };
  await launch();
  return {
    endpoint,
    clientPort,
    dataDir,
    get pid() {
      return p.proc.pid;
    },
    /** Kills etcd with a signal and waits for it to exit. */
    async kill(signal = 'SIGKILL') {
      await p.stop(signal);
    },
    /** Starts etcd again on the same ports and data dir. */
    async restart() {
      if (p.proc.exitCode === null && p.proc.signalCode === null) await p.stop('SIGTERM');
      await launch();
    },
    /** Runs etcdctl against this server and returns its standard output. */
    etcdctl(...cmdArgs) {
      return new Promise((resolve, reject) => {
        execFile(
          etcdctlBin,
          [`--endpoints=${endpoint}`, ...ctlTlsArgs, ...cmdArgs],
          { env: { ...process.env, ETCDCTL_API: '3' }, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) =>
            err ? reject(new Error(`etcdctl ${cmdArgs.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
        );
      });
    },
    /** Stops etcd and removes its data dir (unless the caller gave it). */
    async stop() {
      await p.stop('SIGTERM');
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Dummy AWS credentials and region: the fake endpoint checks the signature's shape, never the secret. */
export function awsEnv(name = 'TEST') {
  return {
    AWS_ACCESS_KEY_ID: `AKID${name.toUpperCase()}`,
    AWS_SECRET_ACCESS_KEY: `${name.toLowerCase()}-secret`,
    AWS_REGION: 'us-east-1',
  };
}

/** The flags pointing a command (`run`, `plan`) at a local etcd and one AWS endpoint for all three APIs. */
export function endpointArgs({ etcdEndpoint, awsUrl }) {
  return [
    '--etcd-endpoints',
    etcdEndpoint,
    '--elb-endpoint',
    awsUrl,
    '--elbv2-endpoint',
    awsUrl,
    '--route53-endpoint',
    awsUrl,
  ];
}

/** The arguments of `lbmanager run` against a local etcd and one AWS endpoint, its admin endpoint on a free port. */
export function runArgs({ etcdEndpoint, awsUrl, adminListen = '127.0.0.1:0', identity }) {
  return [
    'run',
    ...endpointArgs({ etcdEndpoint, awsUrl }),
    '--http-listen',
    adminListen,
    ...(identity !== undefined ? ['--identity', identity] : []),
  ];
}

/** Polls `check` every `intervalMs` until it returns something truthy; throws `what` after `timeoutMs`. */
export async function poll(what, check, timeoutMs = 30000, intervalMs = 50) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Whether a GET of `url` answers 2xx now (false when nothing listens yet). */
export function answersOk(url) {
  return fetch(url).then(
    (r) => r.ok,
    () => false,
  );
}

/** Starts `lbmanager fake-aws` as its own process on a free port; resolves with its URL once it listens. */
export async function startFakeAwsProcess({ args = [], env = {}, nodeArgs = [] } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = startProcess(process.execPath, [...nodeArgs, CLI, 'fake-aws', '--listen', `127.0.0.1:${port}`, ...args], {
    env: { ...process.env, ...awsEnv(), LBM_LOG_LEVEL: 'warn', ...env },
  });
  await p.waitFor(/listening/);
  return { ...p, url };
}

/** The fake AWS endpoint's control API (`/_fake/*`). */
export function fakeControl(url) {
  const post = async (path, body) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${await r.text()}`);
  };
  return {
    /** The whole fake cloud as JSON. */
    state: async () => (await fetch(`${url}/_fake/state`)).json(),
    /** The call log from sequence number `since` on. */
    calls: async (since = 0) => (await fetch(`${url}/_fake/calls${since ? `?since=${since}` : ''}`)).json(),
    /** Replaces the state and empties the call log. */
    reset: (state) => post('/_fake/reset', { state }),
    /** Sets faults at run time. */
    setFaults: (faults) => post('/_fake/faults', faults),
  };
}

/** Puts keys in transactions of `batch` puts (etcd's default limit is 128): setting up a tree, not a measured burst. */
export async function putKeys(client, keys, value = '', batch = 128) {
  for (let i = 0; i < keys.length; i += batch) {
    await client.kv.txn({
      compare: [],
      success: keys
        .slice(i, i + batch)
        .map((k) => ({ request_put: { key: Buffer.from(k), value: Buffer.from(value) } })),
      failure: [],
    });
  }
}

/** Deletes keys in transactions of `batch`. */
export async function deleteKeys(client, keys, batch = 128) {
  for (let i = 0; i < keys.length; i += batch) {
    await client.kv.txn({
      compare: [],
      success: keys.slice(i, i + batch).map((k) => ({ request_delete_range: { key: Buffer.from(k) } })),
      failure: [],
    });
  }
}

/** `i-` and 17 hex digits from a number: an instance id every part of lbmanager accepts. */
export const instanceId = (n) => `i-${n.toString(16).padStart(17, '0')}`;

/** Where Debian's chromium package puts the browser (`apt-get install -y chromium`; scripts/ensure-tools.mjs). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches Debian's chromium, headless, through playwright-core (a devDependency: tests and benchmarks only). Throws
 * saying how to install it when it is missing: what needs a browser fails rather than skips.
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the status page's test and benchmark drive it. Install it with ` +
        '`sudo apt-get install -y chromium` (npm test does so when run as root).',
    );
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
