import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startCli } from '../helpers/cli.js';
import { iid, startStack, type Stack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const TTL = 3;
const key = (n: number): string => `/lbManager/elb/us-east-1/web/multiple/${iid(n)}`;

describe('lbmanager announce', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ lbs: ['web'] });
    await s.daemon();
  });
  after(async () => {
    await s.stop();
  });

  const announce = (args: string[]) =>
    startCli(['announce', '--etcd-endpoints', s.etcd.endpoint, '--ttl', String(TTL), ...args]);
  const exists = async (k: string): Promise<boolean> => (await s.client.get(k).string()) !== null;

  test('with a command: the key exists while it runs and is deleted on SIGTERM; the daemon follows', async () => {
    const p = announce([key(1), '--', 'sleep', '600']);
    await p.waitForOutput(/"message":"announced"/);
    assert.equal(await exists(key(1)), true);
    await waitFor('registered', async () => (await s.members('web')).includes(iid(1)));
    assert.equal(await p.stop('SIGTERM'), 0);
    assert.equal(await exists(key(1)), false, 'deleted before announce exits, not left to expire');
    await waitFor('deregistered', async () => !(await s.members('web')).includes(iid(1)));
  });

  test('without a command: the key is held until SIGKILL, then expires within the TTL plus a few seconds', async () => {
    const p = announce([key(2), '--value', 'web-2']);
    await p.waitForOutput(/"message":"announced"/);
    assert.equal(await s.client.get(key(2)).string(), 'web-2');
    await waitFor('registered', async () => (await s.members('web')).includes(iid(2)));
    await p.stop('SIGKILL');
    assert.equal(await exists(key(2)), true, 'the lease outlives the killed process for a while');
    await waitFor('key expired', async () => !(await exists(key(2))), (TTL + 5) * 1000);
    await waitFor('deregistered', async () => !(await s.members('web')).includes(iid(2)));
  });

  test('the command exit code is passed on and the key is deleted when it exits by itself', async () => {
    const p = announce([key(3), '--', 'sh', '-c', 'sleep 1; exit 3']);
    assert.equal(await p.exited, 3);
    assert.equal(await exists(key(3)), false);
  });

  test('a lease revoked by someone else: the key is put again on a new lease', async () => {
    const p = announce([key(4), '--', 'sleep', '600']);
    await p.waitForOutput(/"message":"announced"/);
    // Lease ids use all 64 bits: read the digits, not a JSON number.
    const lease = /"lease":(\d+)/.exec(await s.etcd.etcdctl('get', key(4), '-w', 'json'))?.[1];
    assert.ok(lease, 'the key is on a lease');
    const id = BigInt(lease).toString(16);
    await s.etcd.etcdctl('lease', 'revoke', id);
    await p.waitForOutput(/lease lost/);
    await waitFor('key back', () => exists(key(4)));
    assert.equal(await p.stop('SIGTERM'), 0);
    assert.equal(await exists(key(4)), false);
  });

  test('bad input: a key that is not a member key is a usage error; a missing command exits 127 and announces nothing', async () => {
    const bad = announce(['/lbManager/elb/us-east-1/web/i-1']);
    assert.equal(await bad.exited, 64);
    assert.match(bad.output(), /not a member key: elb key needs 5 segments/);
    const missing = announce([key(5), '--', '/nonexistent/program']);
    assert.equal(await missing.exited, 127);
    assert.match(missing.output(), /cannot start the command/);
    assert.equal(await exists(key(5)), false);
  });
});
