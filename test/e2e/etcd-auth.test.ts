import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startCli } from '../helpers/cli.js';
import { enableAuth, startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { waitFor } from '../helpers/wait.js';

const ROOT_PASSWORD = 'root-pw-for-test';
const KEY = '/lbManager/elb/us-east-1/web/multiple/i-0123456789abcdef0';

describe('etcd with authentication: the password from a file, kept from the command announce runs', () => {
  let etcd: EtcdServer;
  let client: Etcd3;
  const dir = mkdtempSync(join(tmpdir(), 'lbm-auth-'));
  before(async () => {
    etcd = await startEtcd();
    await enableAuth(etcd, ROOT_PASSWORD);
    client = new Etcd3({ hosts: [etcd.endpoint], auth: { username: 'root', password: ROOT_PASSWORD } });
  });
  after(async () => {
    client.close();
    await etcd.stop();
  });

  test("announce -- CMD: CMD does not get lbmanager's secrets; etcdctl's own variables stay", async () => {
    const passwordFile = join(dir, 'etcd-password');
    writeFileSync(passwordFile, `${ROOT_PASSWORD}\n`, { mode: 0o600 });
    const tokenFile = join(dir, 'http-token');
    writeFileSync(tokenFile, 'token-in-file\n', { mode: 0o600 });
    const envOut = join(dir, 'child-env');
    const p = startCli(
      [
        'announce',
        '--etcd-endpoints',
        etcd.endpoint,
        KEY,
        '--',
        'sh',
        '-c',
        'echo $$ > "$OUT.pid"; env > "$OUT"; exec sleep 600',
      ],
      {
        OUT: envOut,
        LBM_ETCD_USERNAME: 'root',
        LBM_ETCD_PASSWORD_FILE: passwordFile,
        LBM_HTTP_TOKEN: 'token-in-variable',
        LBM_HTTP_TOKEN_FILE: tokenFile,
        ETCDCTL_USER: 'web',
        ETCDCTL_PASSWORD: 'etcdctl-pw',
        CREDENTIALS_DIRECTORY: dir,
      },
    );
    try {
      await p.waitForOutput(/"message":"announced"/);
      assert.equal(await client.get(KEY).string(), '', 'announced with the password read from the file');
      await waitFor('the command wrote its environment', () => Promise.resolve(readFileSync(envOut, 'utf8') !== ''));
      const env = Object.fromEntries(
        readFileSync(envOut, 'utf8')
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ) as Record<string, string>;
      for (const name of ['LBM_ETCD_PASSWORD', 'LBM_ETCD_PASSWORD_FILE', 'LBM_HTTP_TOKEN', 'LBM_HTTP_TOKEN_FILE']) {
        assert.equal(env[name], undefined, `${name} is not passed on`);
      }
      assert.equal(env.LBM_ETCD_USERNAME, 'root', 'settings that are not secrets are passed on');
      assert.equal(env.ETCDCTL_USER, 'web', "etcdctl's variables are the command's own");
      assert.equal(env.ETCDCTL_PASSWORD, 'etcdctl-pw');
      assert.equal(env.CREDENTIALS_DIRECTORY, dir, 'systemd credentials of the unit are the command’s too');
      assert.equal(await p.stop('SIGTERM'), 0);
    } finally {
      await p.stop('SIGKILL');
      // The command outlives a killed announce: end it, or its open pipe keeps this test running.
      const pid = Number(readFileSync(`${envOut}.pid`, 'utf8'));
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone: announce passed SIGTERM on
      }
    }
    assert.equal(await client.get(KEY).string(), null, 'withdrawn');
    assert.doesNotMatch(p.output(), new RegExp(`${ROOT_PASSWORD}|token-in`), 'no secret in the log');
  });
});
