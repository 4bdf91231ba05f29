import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const KEY = '/lbManager/elb/us-east-1/web/multiple/i-0123456789abcdef0';

/** A line of the README that starts with `prefix` (a quoted error message). */
function quoted(prefix: string): string {
  const line = readme.split('\n').find((l) => l.trimStart().startsWith(prefix));
  assert.ok(line, `the README quotes "${prefix}…"`);
  return line.trim();
}

describe('the README quotes what etcdctl does against etcd 3.4 (real etcd)', () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd.stop();
  });
  /** etcdctl as a systemd hook runs it: standard input is /dev/null. */
  const etcdctl = (api: '2' | '3', ...args: string[]) =>
    spawnSync('etcdctl', [`--endpoints=${etcd.endpoint}`, ...args], {
      env: { ...process.env, ETCDCTL_API: api },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });

  test('a v2 set or rm fails (the v2 API is off), it is not silently written elsewhere', () => {
    const message = quoted('Error:  client: response is invalid json');
    for (const args of [
      ['set', KEY, ''],
      ['rm', KEY],
    ]) {
      const r = etcdctl('2', ...args);
      assert.notEqual(r.status, 0, `ETCDCTL_API=2 etcdctl ${args[0]} fails`);
      assert.ok(r.stderr.includes(message), r.stderr);
    }
    const v3 = etcdctl('3', 'set', KEY, '');
    assert.notEqual(v3.status, 0);
    assert.ok(readme.includes(v3.stderr.split('\n')[0] ?? '?'), `the README quotes: ${v3.stderr.split('\n')[0]}`);
  });

  test('etcdctl put needs its value as an argument when stdin is /dev/null', () => {
    const r = etcdctl('3', 'put', KEY);
    assert.notEqual(r.status, 0);
    assert.ok(readme.includes(r.stderr.trim().split('\n')[0] ?? '?'), `the README quotes: ${r.stderr.trim()}`);
    const ok = etcdctl('3', 'put', KEY, '');
    assert.equal(ok.status, 0, ok.stderr);
  });
});
