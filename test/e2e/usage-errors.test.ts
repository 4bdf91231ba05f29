import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { CLI } from '../helpers/cli.js';

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
