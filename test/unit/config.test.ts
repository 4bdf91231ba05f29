import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { addFlags, UsageError } from '../../src/config/flags.js';
import { daemonConfig, DAEMON_FLAGS } from '../../src/config/daemon.js';

function parse(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cmd = addFlags(new Command('run').exitOverride().configureOutput({ writeErr: () => undefined }), DAEMON_FLAGS);
  cmd.parse(args, { from: 'user' });
  return daemonConfig(cmd, env);
}

describe('configuration', () => {
  test('the defaults an operator gets without any flag or variable', () => {
    const c = parse([]);
    assert.deepEqual(c.etcd.endpoints, ['http://127.0.0.1:2379']);
    assert.equal(c.prefix, '/lbManager');
    assert.equal(c.policy, 'sync');
    assert.equal(c.route53Ttl, 60);
    assert.equal(c.route53Rps, 10);
    assert.equal(c.concurrency, 16);
    assert.equal(c.resyncInterval, 300);
    assert.equal(c.shutdownTimeout, 10);
    assert.equal(c.dryRun, false);
    assert.match(c.identity, /:\d+$/);
  });

  test('every flag reads its LBM_ variable, and the flag wins', () => {
    const env = {
      LBM_ROUTE53_TTL: '30',
      LBM_POLICY: 'upsert-only',
      LBM_DRY_RUN: 'true',
      LBM_ETCD_ENDPOINTS: 'http://10.0.0.1:2379',
    };
    const fromEnv = parse([], env);
    assert.equal(fromEnv.route53Ttl, 30);
    assert.equal(fromEnv.policy, 'upsert-only');
    assert.equal(fromEnv.dryRun, true);
    assert.deepEqual(fromEnv.etcd.endpoints, ['http://10.0.0.1:2379']);
    const flagWins = parse(['--route53-ttl', '120', '--etcd-host', 'etcd-a:2379,etcd-b:2379'], env);
    assert.equal(flagWins.route53Ttl, 120);
    assert.deepEqual(flagWins.etcd.endpoints, ['http://etcd-a:2379', 'http://etcd-b:2379']);
  });

  test("the original tool's names: --etcd-host, --config-path, ETCDCTL_ENDPOINTS", () => {
    assert.deepEqual(parse([], { ETCDCTL_ENDPOINTS: 'https://e1:2379' }).etcd.endpoints, ['https://e1:2379']);
    assert.equal(parse(['--config-path', '/lbManagerTest/']).prefix, '/lbManagerTest');
    assert.equal(parse(['--prefix', 'custom']).prefix, '/custom');
  });

  test('bad values name the flag or variable and what it accepts', () => {
    assert.throws(() => parse(['--route53-ttl', 'soon']), /route53-ttl.*whole number/s);
    assert.throws(() => parse(['--policy', 'delete-all']), /sync, upsert-only/);
    assert.throws(() => parse(['--concurrency', '0']), /from 1 to 1000/);
    assert.throws(() => parse(['--elb-endpoint', 'not a url']), /URL/);
    assert.throws(
      () => parse([], { LBM_ROUTE53_RPS: 'fast' }),
      (e: unknown) => e instanceof UsageError && /LBM_ROUTE53_RPS/.test(e.message),
    );
    assert.throws(() => parse([], { LBM_DRY_RUN: 'maybe' }), /LBM_DRY_RUN.*true or false/);
    assert.throws(() => parse(['--prefix', '/']), /prefix/);
    assert.throws(() => parse(['--etcd-cert', 'a.pem']), /go together/);
  });
});

describe('configuration: election, state record, pruning', () => {
  test('election is on by default; --no-leader-election and LBM_NO_LEADER_ELECTION turn it off', () => {
    assert.equal(parse([]).leaderElection, true);
    assert.equal(parse([]).electionTtl, 10);
    assert.equal(parse(['--no-leader-election']).leaderElection, false);
    assert.equal(parse([], { LBM_NO_LEADER_ELECTION: 'true' }).leaderElection, false);
  });
  test('the state prefix must be outside the tree', () => {
    assert.equal(parse(['--state-prefix', '/_lbm/state']).statePrefix, '/_lbm/state/');
    assert.throws(() => parse(['--state-prefix', '/lbManager/state']), /outside the tree/);
  });
  test('--prune-superseded is off by default', () => {
    assert.equal(parse([]).pruneSuperseded, false);
    assert.equal(parse(['--prune-superseded']).pruneSuperseded, true);
  });
});
