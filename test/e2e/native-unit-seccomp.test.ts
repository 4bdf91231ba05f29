import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/cli.js';
import { startStack } from '../helpers/stack.js';
import { parseUnit, serviceValues, syscallFilter } from '../helpers/systemd-unit.js';
import { waitFor } from '../helpers/wait.js';
import { awsEnv, runArgs } from '../../scripts/lib/harness.mjs';

// No systemd runs as PID 1 here, so the unit's seccomp filter cannot be tried as such. Instead, every system call
// Node makes (traced with strace, threads included) is checked against the filter as systemd would build it from the
// unit's SystemCallFilter= lines and `systemd-analyze syscall-filter`'s groups.

const UNIT = fileURLToPath(new URL('../../systemd/lbmanager-native.service', import.meta.url));
const INSTANCE = 'i-0a1b2c3d4e5f60718';

const groups = new Map<string, string[]>();
/** The members of a system call group as this machine's systemd defines it (nested groups left for the caller). */
function expandGroup(group: string): string[] {
  let names = groups.get(group);
  if (!names) {
    const r = spawnSync('systemd-analyze', ['syscall-filter', group], { encoding: 'utf8' });
    assert.equal(r.status, 0, `systemd-analyze syscall-filter ${group}: ${r.stderr}`);
    names = r.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    assert.ok(names.length > 0, `${group} is a group systemd knows`);
    groups.set(group, names);
  }
  return names;
}

/** The system calls of an `strace -c` summary. */
function summarySyscalls(file: string): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*\d+\.\d+\s+\d+\.\d+\s+\d+\s+\d+\s+(?:\d+\s+)?([a-z0-9_]+)\s*$/.exec(line);
    if (m?.[1] && m[1] !== 'total') names.add(m[1]);
  }
  return names;
}

/** Runs `node dist/cli.js ...args` under strace; `drive` gets node's pid and output and must make it exit. */
async function traced(
  args: string[],
  drive: (pid: number, output: () => string) => Promise<void> = () => Promise.resolve(),
): Promise<Set<string>> {
  const summary = join(mkdtempSync(join(tmpdir(), 'lbm-strace-')), 'summary');
  const p = spawn('strace', ['-f', '-qq', '-c', '-o', summary, process.execPath, CLI, ...args], {
    env: {
      ...process.env,
      ...awsEnv('lbmtest'),
      LBM_LOG_FORMAT: 'json',
      LBM_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  try {
    const pid = p.pid ?? 0;
    await drive(pid, () => out);
    assert.equal(await exited, 0, `strace and node ended cleanly:\n${out.slice(-3000)}`);
  } finally {
    p.kill('SIGKILL');
  }
  const names = summarySyscalls(summary);
  assert.ok(names.size > 20, `strace saw the system calls: ${[...names].join(' ')}`);
  return names;
}

/** node's own pid: the daemon's default identity is `<hostname>:<pid>`. */
async function daemonPid(output: () => string): Promise<number> {
  const m = await waitFor('lbmanager starting', () => /"identity":"[^"]*:(\d+)"/.exec(output()), 60_000);
  return Number(m?.[1]);
}

describe('lbmanager-native.service: the system call filter lets Node and lbmanager run', () => {
  test('every system call of `lbmanager --version` and of a daemon that serves, reconciles and stops is allowed', async () => {
    const filter = serviceValues(parseUnit(UNIT), 'SystemCallFilter');
    assert.ok(filter.length > 0, 'the unit filters system calls');
    const allowed = syscallFilter(filter, expandGroup);
    const made = await traced(['--version']);
    const s = await startStack({ lbs: ['web'] });
    try {
      await s.client.put(`/lbManager/elb/us-east-1/web/multiple/${INSTANCE}`).value('');
      const daemon = await traced(
        [...runArgs({ etcdEndpoint: s.etcd.endpoint, awsUrl: s.fake.url }), '--resync-interval', '1'],
        async (_stracePid, output) => {
          const pid = await daemonPid(output);
          const listening = await waitFor('admin endpoint', () => /"url":"(http:[^"]+)"/.exec(output()), 60_000);
          const admin = listening?.[1] ?? '';
          await waitFor('ready', async () => (await fetch(`${admin}/readyz`)).ok, 60_000);
          await waitFor('registered', async () => (await s.members('web')).includes(INSTANCE), 60_000);
          for (const path of ['/metrics', '/state', '/healthz', '/']) await (await fetch(`${admin}${path}`)).text();
          await fetch(`${admin}/resync`, { method: 'POST' });
          await s.client.delete().key(`/lbManager/elb/us-east-1/web/multiple/${INSTANCE}`);
          await waitFor('deregistered', async () => (await s.members('web')).length === 0, 60_000);
          // A periodic resync ran meanwhile (every second); SIGHUP asks for one more, SIGTERM stops.
          process.kill(pid, 'SIGHUP');
          await waitFor('SIGHUP handled', () => /SIGHUP/.test(output()), 60_000);
          process.kill(pid, 'SIGTERM');
        },
      );
      for (const n of daemon) made.add(n);
    } finally {
      await s.stop();
    }
    const refused = [...made].filter((n) => !allowed(n)).sort();
    assert.deepEqual(refused, [], `system calls the unit's filter would kill lbmanager for (SIGSYS)`);
  });
});
