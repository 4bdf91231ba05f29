// B7 CLI start: how long the commands people and units run take to do their job. `lbmanager --version` from spawn to
// exit; `lbmanager announce KEY` (run by every service unit's ExecStartPost) from spawn to the key being visible in
// etcd, beside `etcdctl put` of the same key in the same run. Each measured `runs` times; median (min-max).
import { spawn } from 'node:child_process';
import { AWS_ENV, now, sleep, startBench, summary } from './lib/harness.mjs';
import { CLI } from '../scripts/lib/harness.mjs';

const KEY = '/lbManager/elb/us-east-1/b7-lb/multiple/i-0b7b7b7b7b7b7b7b7';

function run(cmd, args, env = AWS_ENV) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${code}\n${out}`)),
    );
  });
}

/** Milliseconds from spawning `lbmanager --version` to its exit. */
async function versionMs() {
  const t = now();
  await run(process.execPath, [CLI, '--version']);
  return now() - t;
}

/** Milliseconds from spawning `cmd` until KEY shows up in etcd (polled every millisecond); the process is stopped. */
async function untilKeyMs(bench, cmd, args, { stop }) {
  await bench.client.delete().key(KEY);
  const t = now();
  const p = spawn(cmd, args, { env: AWS_ENV, stdio: 'ignore' });
  // Listened to at once: etcdctl may be gone before the key is seen.
  const exited = new Promise((resolve) => p.on('exit', resolve));
  for (;;) {
    if ((await bench.client.get(KEY).string()) !== null) break;
    if (now() - t > 20_000) throw new Error(`${cmd}: the key did not appear`);
    await sleep(1);
  }
  const ms = now() - t;
  if (stop) p.kill('SIGTERM');
  await exited;
  return ms;
}

/** B7: `runs` of each; median (min-max). */
export async function cliStart(bench, { runs = 10, log = console.log } = {}) {
  const endpoint = bench.etcd.endpoint;
  // One unmeasured run of each: the first start after a build reads cold files.
  await versionMs();
  const version = [];
  const announce = [];
  const etcdctl = [];
  for (let i = 0; i < runs; i++) {
    version.push(await versionMs());
    announce.push(
      await untilKeyMs(bench, process.execPath, [CLI, 'announce', '--etcd-endpoints', endpoint, KEY], { stop: true }),
    );
    etcdctl.push(await untilKeyMs(bench, 'etcdctl', [`--endpoints=${endpoint}`, 'put', KEY, ''], { stop: false }));
  }
  await bench.client.delete().key(KEY);
  const r = { versionMs: summary(version), announceMs: summary(announce), etcdctlPutMs: summary(etcdctl) };
  log(
    `B7 lbmanager --version ${r.versionMs.median.toFixed(0)} ms; announce to the key in etcd ` +
      `${r.announceMs.median.toFixed(0)} ms; etcdctl put ${r.etcdctlPutMs.median.toFixed(0)} ms (medians of ${runs})`,
  );
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const bench = await startBench();
  try {
    console.log(JSON.stringify(await cliStart(bench), null, 2));
  } finally {
    await bench.stop();
  }
}
