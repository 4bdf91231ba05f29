import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { CLI } from '../helpers/cli.js';
import { iid, startStack, waitReady } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** Runs `lbmanager ARGS` to its end (asynchronously: the fake AWS endpoint answers from this process). */
function lbmanager(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LBM_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...base, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const key = (n: number): string => `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`;

test('lbmanager status: a running daemon as a table or JSON; exit 0 ready, 2 held, 1 unreachable', async () => {
  const s = await startStack({ lbs: ['web'] });
  try {
    const d = await s.daemon(['--http-token', 'status-token'], 'lbm-status-1');
    await waitReady(d);
    await s.putMany(Array.from({ length: 12 }, (_, i) => key(i + 1)));
    await waitFor('registered', async () => (await s.members('web')).length === 12);
    await waitFor('ready with web in sync', async () => {
      const r = await lbmanager(['status', '--admin-url', d.adminUrl]);
      return r.code === 0 && /^in sync +elb\/us-east-1\/web +multiple +12 +12 +none +\d+ s ago$/m.test(r.stdout);
    });
    const text = await lbmanager(['status', '--admin-url', d.adminUrl]);
    assert.match(text.stdout, /^replica {4}lbm-status-1 \(leader\)$/m);
    assert.match(text.stdout, /^readiness {2}ready$/m);
    assert.match(text.stdout, /^tree {7}revision \d+, etcd watch up, 0 restarts$/m);
    assert.match(text.stdout, /^1 target: 1 in sync$/m);
    assert.equal(text.stderr, '');

    // JSON for machines, the address from LBM_ADMIN_URL: /state as the daemon gave it.
    const json = await lbmanager(['status', '--output', 'json'], { LBM_ADMIN_URL: d.adminUrl });
    assert.equal(json.code, 0, json.stderr);
    const state = JSON.parse(json.stdout) as { identity: string; targets: Array<{ id: string; actual: string[] }> };
    assert.equal(state.identity, 'lbm-status-1');
    assert.deepEqual(
      state.targets.map((t) => [t.id, t.actual.length]),
      [['elb/us-east-1/web', 12]],
    );

    // A purge is held: not ready (exit 2), the target held with its count.
    await s.client.delete().prefix('/lbManager/elb/us-east-1/web/');
    await waitFor('held', async () => (await lbmanager(['status', '--admin-url', d.adminUrl])).code === 2);
    const held = await lbmanager(['status', '--admin-url', d.adminUrl]);
    assert.match(held.stdout, /^readiness {2}not ready: removals held: 12 of 12 managed members/m);
    assert.match(held.stdout, /^held +elb\/us-east-1\/web +no keys +0 +12 +12 extra +.* 12 removals held$/m);

    // Something else at the address: one line saying so, exit 1.
    const other = await lbmanager(['status', '--admin-url', s.fake.url]);
    assert.equal(other.code, 1);
    assert.match(
      other.stderr,
      /^lbmanager status: http:\/\/127\.0\.0\.1:\d+\/state answered \d+ .*admin endpoint\?\n$/,
    );

    // Nobody there: one line saying what to check, exit 1, nothing on stdout.
    await d.stop('SIGTERM');
    const gone = await lbmanager(['status', '--admin-url', d.adminUrl]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stdout, '');
    assert.match(
      gone.stderr,
      /^lbmanager status: cannot reach the admin endpoint at http:\/\/127\.0\.0\.1:\d+: connection refused: is lbmanager running, with --http-listen at that address\? \(--admin-url, LBM_ADMIN_URL\)\n$/,
    );
  } finally {
    await s.stop();
  }
});

test('lbmanager status: a bad --admin-url or LBM_ADMIN_URL exits 64 naming it', async () => {
  const flag = await lbmanager(['status', '--admin-url', 'ftp://example.com']);
  assert.equal(flag.code, 64);
  assert.match(flag.stderr, /--admin-url.*expected an http or https URL/);
  const env = await lbmanager(['status'], { LBM_ADMIN_URL: 'not a url' });
  assert.equal(env.code, 64);
  assert.match(env.stderr, /^lbmanager: LBM_ADMIN_URL="?not a url"?: expected a URL/);
});
