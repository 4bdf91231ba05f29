import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { addFlags, UsageError } from '../../src/config/flags.js';
import { daemonConfig, DAEMON_FLAGS, ETCD_FLAGS, LOG_FLAGS } from '../../src/config/daemon.js';

/** `lbmanager run` (which serves the admin endpoint) parsed from args and an environment. */
function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cmd = addFlags(new Command('run').exitOverride().configureOutput({ writeErr: () => undefined }), DAEMON_FLAGS);
  cmd.parse(args, { from: 'user' });
  return daemonConfig(cmd, env, { adminEndpoint: true });
}

/** `lbmanager validate`/`announce`: the etcd flags only. */
function etcdOnly(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cmd = addFlags(new Command('validate').exitOverride(), [...ETCD_FLAGS, ...LOG_FLAGS]);
  cmd.parse(args, { from: 'user' });
  return daemonConfig(cmd, env);
}

const dir = mkdtempSync(join(tmpdir(), 'lbm-config-'));
/** Writes a file in the test's directory and returns its path. */
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
}
/** A directory like systemd's $CREDENTIALS_DIRECTORY holding these credentials. */
function credentials(files: Record<string, string>): string {
  const d = mkdtempSync(join(dir, 'credentials-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(d, name), content);
  return d;
}

const usage = (pattern: RegExp) => (e: unknown) => e instanceof UsageError && pattern.test(e.message);

describe('secrets from files and systemd credentials (issue 12, item 7)', () => {
  test('LBM_ETCD_PASSWORD_FILE and LBM_HTTP_TOKEN_FILE: the content, one trailing newline trimmed', () => {
    const c = run(['--etcd-username', 'lbm'], {
      LBM_ETCD_PASSWORD_FILE: file('pw', 'from-file\n'),
      LBM_HTTP_TOKEN_FILE: file('token', 'tok en\n\n'),
    });
    assert.equal(c.etcd.password, 'from-file');
    assert.equal(c.httpToken, 'tok en\n');
  });

  test('$CREDENTIALS_DIRECTORY/etcd-password and /http-token are used when nothing else is given', () => {
    const c = run([], {
      LBM_ETCD_USERNAME: 'lbm',
      CREDENTIALS_DIRECTORY: credentials({ 'etcd-password': 'cred-pw\n', 'http-token': 'cred-token' }),
    });
    assert.equal(c.etcd.password, 'cred-pw');
    assert.equal(c.httpToken, 'cred-token');
  });

  test('precedence: flag > LBM_X > LBM_X_FILE > $CREDENTIALS_DIRECTORY/x', () => {
    const env = {
      LBM_ETCD_USERNAME: 'lbm',
      CREDENTIALS_DIRECTORY: credentials({ 'etcd-password': 'cred', 'http-token': 'cred' }),
      LBM_ETCD_PASSWORD_FILE: file('pw2', 'file'),
      LBM_HTTP_TOKEN_FILE: file('token2', 'file'),
    };
    assert.equal(run([], env).etcd.password, 'file');
    assert.equal(run([], env).httpToken, 'file');
    const withVars = { ...env, LBM_ETCD_PASSWORD: 'var', LBM_HTTP_TOKEN: 'var' };
    assert.equal(run([], withVars).etcd.password, 'var');
    assert.equal(run([], withVars).httpToken, 'var');
    const flags = run(['--etcd-password', 'flag', '--http-token', 'flag'], withVars);
    assert.equal(flags.etcd.password, 'flag');
    assert.equal(flags.httpToken, 'flag');
  });

  test('a credentials directory without the file is no secret, not an error', () => {
    const c = run([], { CREDENTIALS_DIRECTORY: credentials({}) });
    assert.equal(c.etcd.password, undefined);
    assert.equal(c.httpToken, undefined);
  });

  test('an unreadable named file is a usage error naming the variable and the file, never the content', () => {
    assert.throws(
      () => run(['--etcd-username', 'lbm'], { LBM_ETCD_PASSWORD_FILE: join(dir, 'missing') }),
      usage(/LBM_ETCD_PASSWORD_FILE.*missing/),
    );
    // A directory where the file should be: unreadable as a file for root too.
    const cred = credentials({});
    mkdirSync(join(cred, 'etcd-password'));
    assert.throws(() => run(['--etcd-username', 'lbm'], { CREDENTIALS_DIRECTORY: cred }), usage(/etcd-password/));
    assert.throws(
      () =>
        run(['--etcd-username', 'lbm'], {
          LBM_ETCD_PASSWORD_FILE: file('pw3', 'top-secret-content\n'),
          LBM_HTTP_TOKEN_FILE: join(dir, 'nope'),
        }),
      (e: unknown) => e instanceof UsageError && /LBM_HTTP_TOKEN_FILE/.test(e.message) && !/top-secret/.test(e.message),
    );
  });

  test('validate and announce read the etcd password the same way and ignore the admin settings', () => {
    const c = etcdOnly(['--etcd-username', 'lbm'], {
      LBM_ETCD_PASSWORD_FILE: file('pw4', 'p\n'),
      LBM_HTTP_TOKEN: '',
      LBM_HTTP_LISTEN: '0.0.0.0:9180',
    });
    assert.equal(c.etcd.password, 'p');
  });
});

describe('the admin endpoint at start (issue 12, item 5)', () => {
  test('an empty LBM_HTTP_TOKEN is a usage error naming it, not "no auth"', () => {
    assert.throws(() => run([], { LBM_HTTP_TOKEN: '' }), usage(/LBM_HTTP_TOKEN\b.*empty/));
    assert.throws(() => run([], { LBM_HTTP_TOKEN: '  ' }), usage(/LBM_HTTP_TOKEN\b.*empty/));
  });

  test('an empty token file or credential is a usage error naming it', () => {
    assert.throws(() => run([], { LBM_HTTP_TOKEN_FILE: file('empty', '\n') }), usage(/LBM_HTTP_TOKEN_FILE.*empty/));
    assert.throws(
      () => run([], { CREDENTIALS_DIRECTORY: credentials({ 'http-token': '' }) }),
      usage(/http-token.*empty/),
    );
    assert.throws(() => run(['--http-token', '']), /non-empty/);
  });

  test('a non-loopback address without a token is refused, saying how to fix it', () => {
    for (const listen of ['0.0.0.0:9180', '[::]:9180', ':9180', '10.0.0.5:9180', 'lbm.example.com:9180']) {
      assert.throws(
        () => run(['--http-listen', listen]),
        usage(/not a loopback address.*--http-token.*LBM_HTTP_TOKEN.*LBM_HTTP_TOKEN_FILE.*127\.0\.0\.1/s),
        listen,
      );
      assert.throws(() => run([], { LBM_HTTP_LISTEN: listen }), usage(/LBM_HTTP_LISTEN|--http-listen/), listen);
      assert.equal(run(['--http-listen', listen, '--http-token', 't']).httpListen, listen);
    }
  });

  test('loopback addresses need no token', () => {
    for (const listen of ['127.0.0.1:9180', '127.1.2.3:0', '[::1]:9180', 'localhost:9180', 'LOCALHOST:1']) {
      assert.equal(run(['--http-listen', listen]).httpListen, listen);
    }
    assert.equal(run(['--http-listen', 'off']).httpListen, undefined);
  });
});

describe('etcd TLS files and etcdctl variables (issue 12, item 10)', () => {
  test('an unreadable --etcd-key, --etcd-cert or --etcd-ca is a usage error naming the flag and the file', () => {
    const cert = file('cert.pem', 'CERT');
    const key = file('key.pem', 'KEY');
    const missing = join(dir, 'no-such.pem');
    assert.throws(() => run(['--etcd-cert', cert, '--etcd-key', missing]), usage(/--etcd-key .*no-such\.pem/));
    assert.throws(() => run(['--etcd-cert', missing, '--etcd-key', key]), usage(/--etcd-cert .*no-such\.pem/));
    assert.throws(() => run(['--etcd-ca', dir]), usage(/--etcd-ca .*directory/));
    assert.throws(() => run([], { LBM_ETCD_CA: missing }), usage(/LBM_ETCD_CA.*no-such\.pem/));
    assert.throws(() => run([], { ETCDCTL_CACERT: missing }), usage(/ETCDCTL_CACERT.*no-such\.pem/));
    assert.throws(() => run(['--etcd-ca', file('empty.pem', '')]), usage(/--etcd-ca .*empty/));
  });

  test('ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY are used when neither the flag nor LBM_ is given', () => {
    const [ca, cert, key] = [file('ca.pem', 'CA'), file('c.pem', 'C'), file('k.pem', 'K')];
    const env = { ETCDCTL_CACERT: ca, ETCDCTL_CERT: cert, ETCDCTL_KEY: key };
    assert.deepEqual(pick(run([], env).etcd), { ca, cert, key });
    const other = file('other.pem', 'O');
    assert.equal(run(['--etcd-ca', other], env).etcd.ca, other);
    assert.equal(run([], { ...env, LBM_ETCD_KEY: other }).etcd.key, other);
  });

  test('TLS files as systemd credentials: $CREDENTIALS_DIRECTORY/etcd-ca, etcd-cert, etcd-key', () => {
    const creds = credentials({ 'etcd-ca': 'CA', 'etcd-cert': 'C', 'etcd-key': 'K' });
    const c = run([], { CREDENTIALS_DIRECTORY: creds, ETCDCTL_KEY: file('ignored.pem', 'I') });
    assert.deepEqual(pick(c.etcd), {
      ca: join(creds, 'etcd-ca'),
      cert: join(creds, 'etcd-cert'),
      key: join(creds, 'etcd-key'),
    });
  });

  test("ETCDCTL_USER (etcdctl's user[:password]) and ETCDCTL_PASSWORD, as etcdctl reads them", () => {
    assert.deepEqual(auth(run([], { ETCDCTL_USER: 'web:pw:with:colons' })), ['web', 'pw:with:colons']);
    assert.deepEqual(auth(run([], { ETCDCTL_USER: 'web:x', ETCDCTL_PASSWORD: 'p:w' })), ['web:x', 'p:w']);
    assert.deepEqual(auth(run([], { ETCDCTL_USER: 'web', LBM_ETCD_PASSWORD: 'lbm' })), ['web', 'lbm']);
    assert.deepEqual(auth(run([], { ETCDCTL_USER: 'web:pw', LBM_ETCD_USERNAME: 'lbm', LBM_ETCD_PASSWORD: 'x' })), [
      'lbm',
      'x',
    ]);
    assert.deepEqual(auth(run([], { ETCDCTL_PASSWORD: 'alone' })), [undefined, undefined]);
    assert.throws(() => run([], { ETCDCTL_USER: 'web' }), usage(/ETCDCTL_USER.*password/));
    assert.throws(() => run([], { ETCDCTL_USER: 'web:pw', LBM_ETCD_USERNAME: 'lbm' }), usage(/go together/));
  });
});

function pick(e: { ca?: string; cert?: string; key?: string }) {
  return { ca: e.ca, cert: e.cert, key: e.key };
}
function auth(c: { etcd: { username?: string; password?: string } }) {
  return [c.etcd.username, c.etcd.password];
}
