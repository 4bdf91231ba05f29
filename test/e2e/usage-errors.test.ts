import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CLI, startCli } from '../helpers/cli.js';

/** Runs the built CLI to its end with a clean LBM_/ETCDCTL_ environment plus `env`. */
function lbmanager(args: readonly string[], env: Record<string, string> = {}): { code: number | null; output: string } {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('LBM_') && !k.startsWith('ETCDCTL_')),
  );
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...base, LBM_LOG_FORMAT: 'json', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const SECRET = 's3cret-pw';

describe('usage errors: passwords in URLs are masked wherever the URL is printed', () => {
  const cases: Array<[string, string[], Record<string, string>]> = [
    ['an unparsable --etcd-endpoints', ['validate', '--etcd-endpoints', `https://lbm:${SECRET}@etcd-a:bad`], {}],
    ['an unparsable LBM_ETCD_ENDPOINTS', ['validate'], { LBM_ETCD_ENDPOINTS: `https://lbm:${SECRET}@etcd-a:bad` }],
    ['an unparsable ETCDCTL_ENDPOINTS', ['validate'], { ETCDCTL_ENDPOINTS: `https://lbm:${SECRET}@etcd-a:bad` }],
    ['an unparsable --elb-endpoint', ['plan', '--elb-endpoint', `https://lbm:${SECRET}@elb:bad`], {}],
    ['credentials in --etcd-endpoints', ['validate', '--etcd-endpoints', `https://lbm:${SECRET}@etcd-a:2379`], {}],
    [
      'credentials in ETCDCTL_ENDPOINTS',
      ['plan'],
      { ETCDCTL_ENDPOINTS: `http://x:1,https://lbm:${SECRET}@etcd-a:2379` },
    ],
    ['credentials in an announce endpoint', ['announce', '--etcd-endpoints', `https://lbm:${SECRET}@e:2379`, 'k'], {}],
  ];
  for (const [what, args, env] of cases) {
    test(`${what}: exit 64, the URL shown with its password masked`, () => {
      const r = lbmanager(args, env);
      assert.equal(r.code, 64, r.output);
      assert.doesNotMatch(r.output, new RegExp(SECRET), r.output);
      assert.match(r.output, /https:\/\/lbm:\*\*\*@/, r.output);
      assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
    });
  }

  test('announce of a weighted key with a value that is no weight: exit 64 with the reason, before etcd is asked', () => {
    const key = '/lbManager/route53/us-east-1/Z1/www.example.com/weighted/192.0.2.1';
    const r = lbmanager(['announce', key, '--value', 'heavy', '--etcd-endpoints', 'http://127.0.0.1:9']);
    assert.equal(r.code, 64, r.output);
    assert.match(r.output, /bad weight "heavy" \(a weighted key's value: a whole number 0-255, or empty for 1\)/);
  });

  test('credentials in an etcd endpoint are refused with a pointer to the etcd auth flags', () => {
    const r = lbmanager(['validate', '--etcd-endpoints', `https://lbm:${SECRET}@etcd-a:2379`]);
    assert.match(r.output, /--etcd-username/);
  });

  test('--help never prints a value from the environment', () => {
    const r = lbmanager(['run', '--help'], { LBM_ETCD_ENDPOINTS: `https://lbm:${SECRET}@etcd-a:2379` });
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.output, new RegExp(SECRET));
  });
});

describe('the admin endpoint is refused at start without a token off loopback (issue 12, item 5)', () => {
  test('an empty LBM_HTTP_TOKEN: exit 64 naming it', () => {
    const r = lbmanager(['run', '--etcd-endpoints', 'http://127.0.0.1:1'], { LBM_HTTP_TOKEN: '' });
    assert.equal(r.code, 64, r.output);
    assert.match(r.output, /LBM_HTTP_TOKEN is set but empty/);
  });

  test('an empty token file: exit 64 naming the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbm-token-'));
    writeFileSync(join(dir, 'token'), '\n');
    const r = lbmanager(['run', '--etcd-endpoints', 'http://127.0.0.1:1'], { LBM_HTTP_TOKEN_FILE: join(dir, 'token') });
    assert.equal(r.code, 64, r.output);
    assert.match(r.output, /LBM_HTTP_TOKEN_FILE=.*empty/);
  });

  test('--http-listen 0.0.0.0 without a token: exit 64 saying how to fix it', () => {
    const r = lbmanager(['run', '--etcd-endpoints', 'http://127.0.0.1:1', '--http-listen', '0.0.0.0:0']);
    assert.equal(r.code, 64, r.output);
    assert.match(r.output, /0\.0\.0\.0:0 is not a loopback address.*--http-token.*LBM_HTTP_TOKEN/);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
  });

  test('--http-listen 0.0.0.0 with a token from a file starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbm-token-'));
    writeFileSync(join(dir, 'token'), 'a-long-random-token\n');
    const p = startCli(['run', '--etcd-endpoints', 'http://127.0.0.1:1', '--http-listen', '0.0.0.0:0'], {
      LBM_HTTP_TOKEN_FILE: join(dir, 'token'),
    });
    await p.waitForOutput(/admin endpoint listening/);
    assert.equal(await p.stop('SIGTERM'), 0);
    assert.doesNotMatch(p.output(), /a-long-random-token/, 'the token is never logged');
  });
});

describe('errors a user causes: one line, no stack trace (issue 12, item 10)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbm-usage-'));
  const cert = join(dir, 'cert.pem');
  writeFileSync(cert, '-----BEGIN CERTIFICATE-----\n');

  test('an unreadable --etcd-key: exit 64 naming the flag and the file', () => {
    const key = join(dir, 'no-such-key.pem');
    const r = lbmanager(['run', '--etcd-endpoints', 'https://127.0.0.1:1', '--etcd-cert', cert, '--etcd-key', key]);
    assert.equal(r.code, 64, r.output);
    assert.match(r.output, /--etcd-key .*no-such-key\.pem: cannot read it \(no such file\)/);
    assert.equal(r.output.trim().split('\n').length, 1, r.output);
  });

  test('an unreadable --etcd-ca for validate, LBM_ETCD_CERT for plan, ETCDCTL_KEY for announce: exit 64', () => {
    const missing = join(dir, 'missing.pem');
    for (const [args, env, name] of [
      [['validate', '--etcd-ca', missing], {}, '--etcd-ca'],
      [['plan', '--etcd-key', cert], { LBM_ETCD_CERT: missing }, 'LBM_ETCD_CERT'],
      [
        ['announce', '/lbManager/elb/us-east-1/web/multiple/i-12345678'],
        { ETCDCTL_CERT: cert, ETCDCTL_KEY: missing },
        'ETCDCTL_KEY',
      ],
    ] as const) {
      const r = lbmanager(args, env);
      assert.equal(r.code, 64, r.output);
      assert.match(r.output, new RegExp(`${name}.*missing\\.pem`), r.output);
      assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
    }
  });

  test('fake-aws --state FILE --save where FILE does not exist yet: starts empty and creates it on exit', async () => {
    const state = join(dir, 'new-state.json');
    const p = startCli(['fake-aws', '--listen', '127.0.0.1:0', '--state', state, '--save']);
    await p.waitForOutput(/fake-aws listening on (\S+)/);
    assert.equal(existsSync(state), false, 'created on exit, not before');
    assert.equal(await p.stop('SIGTERM'), 0, p.output());
    const saved = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>;
    assert.ok('elb' in saved && 'route53' in saved, 'an empty state was written');
  });

  test('fake-aws --state: a missing file without --save, a bad file, a directory that does not exist: exit 64', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ not json');
    for (const [args, pattern] of [
      [['--state', join(dir, 'absent.json')], /--state .*absent\.json.*--save/],
      [['--state', bad], /--state .*bad\.json.*not valid/],
      [['--state', join(dir, 'no-dir', 'x.json'), '--save'], /--state .*no-dir.*cannot create/],
    ] as const) {
      const r = lbmanager(['fake-aws', '--listen', '127.0.0.1:0', ...args]);
      assert.equal(r.code, 64, r.output);
      assert.match(r.output, pattern);
      assert.doesNotMatch(r.output, /\n\s+at /, 'no stack trace');
    }
  });

  test('a port already in use: one line, no stack trace', async () => {
    const p = startCli(['fake-aws', '--listen', '127.0.0.1:0']);
    const url = (await p.waitForOutput(/fake-aws listening on (\S+)/))[1] ?? '';
    try {
      const r = lbmanager(['fake-aws', '--listen', new URL(url).host]);
      assert.equal(r.code, 1, r.output);
      assert.match(r.output, /^lbmanager: .*EADDRINUSE.*\n$/);
    } finally {
      await p.stop('SIGTERM');
    }
  });
});
