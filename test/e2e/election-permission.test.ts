import assert from 'node:assert/strict';
import { test } from 'node:test';
import { iid, startStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const KEY = `/lbManager/elb/us-east-1/web/multiple/${iid(1)}`;

// The roles the README gives: read the tree, read-write lbmanager's own prefix. Here the election part is missing at
// first, as an operator who copied only the state prefix would have it.
test('a replica whose leader election cannot run (no permission) is not ready, says why, and leads once allowed', async () => {
  const s = await startStack({ lbs: ['web'] });
  try {
    const ctl = (...args: string[]): Promise<string> => s.etcd.etcdctl(...args);
    await ctl('user', 'add', 'root', '--new-user-password=rootpw', '--interactive=false');
    await ctl('role', 'add', 'lbmanager');
    await ctl('role', 'grant-permission', 'lbmanager', 'read', '/lbManager/', '--prefix=true');
    await ctl('role', 'grant-permission', 'lbmanager', 'readwrite', '/_lbmanager/state/', '--prefix=true');
    await ctl('user', 'add', 'lbm', '--new-user-password=lbm-pw', '--interactive=false');
    await ctl('user', 'grant-role', 'lbm', 'lbmanager');
    await ctl('auth', 'enable');
    await ctl('--user', 'root:rootpw', 'put', KEY, '');

    const d = await s.daemon(['--etcd-username', 'lbm', '--etcd-password', 'lbm-pw']);
    const readyz = async (): Promise<{ status: number; body: string }> => {
      const r = await fetch(`${d.adminUrl}/readyz`);
      return { status: r.status, body: await r.text() };
    };
    const notReady = await waitFor('not ready because of the election', async () => {
      const r = await readyz();
      return r.status === 503 && /leader election cannot run/.test(r.body) ? r : undefined;
    });
    assert.match(notReady?.body ?? '', /permission denied/);
    await d.waitForOutput(/^(?=.*"level":"warn")(?=.*leader election cannot run).*$/m);
    assert.deepEqual(await s.members('web'), [], 'a replica that cannot lead writes nothing');
    assert.doesNotMatch(d.output(), /lbm-pw/, 'the password is never logged');

    await ctl(
      '--user',
      'root:rootpw',
      'role',
      'grant-permission',
      'lbmanager',
      'readwrite',
      '/_lbmanager/election/',
      '--prefix=true',
    );
    await waitFor('ready once the election runs', async () => (await readyz()).status === 200, 30_000);
    await waitFor('the member registered by the new leader', async () => (await s.members('web')).includes(iid(1)));
    await d.waitForOutput(/leader election runs again/);
  } finally {
    await s.stop();
  }
});
