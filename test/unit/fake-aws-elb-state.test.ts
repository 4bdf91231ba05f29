import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CidrSet, OUTSIDE_VPC_RANGES } from '../../src/fake-aws/ip-ranges.js';
import { FakeAwsState } from '../../src/fake-aws/state.js';

const I1 = 'i-0000000000000000a';

test('the ELB parts of the state round-trip: VPCs, instances, group settings, zones of targets, draining', () => {
  const state = new FakeAwsState({ now: () => 1000 });
  const json = {
    elb: { 'us-east-1': { web: { instances: [I1] } } },
    elbv2: {
      'us-east-1': {
        tg: {
          arn: 'arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/tg/1',
          port: 443,
          protocol: 'HTTPS',
          targetType: 'ip' as const,
          vpcId: 'vpc-1',
          ipAddressType: 'ipv4' as const,
          targetLimit: 3,
          healthyAfterMs: 0,
          deregistrationDelayMs: 5000,
          unhealthy: ['10.1.0.5'],
          targets: [{ id: '10.1.0.5' }, { id: '192.168.7.7', port: 8443, availabilityZone: 'all' }],
          draining: [{ id: '10.1.0.9', port: 443 }],
        },
      },
    },
    vpcs: { 'vpc-1': '10.1.0.0/16', 'vpc-2': ['10.2.0.0/16', '2001:db8:2::/56'] },
    instances: { 'us-east-1': [I1] },
  };
  state.load(json);
  const out = state.toJSON();
  assert.deepEqual(out.elbv2['us-east-1']?.['tg'], {
    ...json.elbv2['us-east-1'].tg,
    targets: [
      { id: '10.1.0.5', port: 443 },
      { id: '192.168.7.7', port: 8443, availabilityZone: 'all' },
    ],
  });
  assert.deepEqual(out.vpcs, { 'vpc-1': ['10.1.0.0/16'], 'vpc-2': ['10.2.0.0/16', '2001:db8:2::/56'] });
  assert.deepEqual(out.instances, { 'us-east-1': [I1] });
  assert.deepEqual(out.elb['us-east-1']?.['web'], { instances: [I1] });
  const again = new FakeAwsState({ now: () => 1000 });
  again.load(JSON.parse(JSON.stringify(out)));
  assert.deepEqual(again.toJSON(), out, 'what is saved loads back the same');
});

test('an old state file (no VPCs, instances or group settings) loads as before', () => {
  const state = new FakeAwsState();
  state.load({
    elbv2: { 'us-east-1': { tg: { port: 80, targetType: 'ip', targets: [{ id: '10.0.0.5' }] } } },
    terminated: { 'us-east-1': [I1] },
  });
  const g = state.toJSON().elbv2['us-east-1']?.['tg'];
  assert.deepEqual(g?.targets, [{ id: '10.0.0.5', port: 80 }]);
  assert.equal(g?.ipAddressType, 'ipv4');
  assert.equal(g?.vpcId, 'vpc-00000000');
  assert.ok(state.vpcCidrs('vpc-00000000').has('10.0.255.255'), 'a VPC it was not told of is 10.0.0.0/16');
  assert.ok(!state.vpcCidrs('vpc-00000000').has('10.1.0.0'));
  assert.ok(state.instanceExists('us-east-1', 'i-0123456789abcdef0'), 'without a list, any instance exists');
});

test('a bad state says what is wrong', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ vpcs: { 'vpc-1': '10.0.0.0/33' } }, /vpcs\.vpc-1: "10\.0\.0\.0\/33" is not a CIDR block/],
    [{ vpcs: { 'vpc-1': [10] } }, /vpcs\.vpc-1 must be a list of strings/],
    [{ vpcs: [] }, /vpcs must be an object/],
    [{ instances: { 'us-east-1': 'i-1' } }, /instances\.us-east-1 must be a list of strings/],
    [{ elbv2: { r: { tg: { targetLimit: 0 } } } }, /elbv2\.r\.tg\.targetLimit must be a whole number >= 1/],
    [{ elbv2: { r: { tg: { deregistrationDelayMs: -1 } } } }, /deregistrationDelayMs must be a whole number >= 0/],
    [{ elbv2: { r: { tg: { ipAddressType: 'dualstack' } } } }, /ipAddressType must be ipv4 or ipv6/],
    [{ elbv2: { r: { tg: { targets: [{ id: '10.0.0.1', port: 70000 }] } } } }, /targets\[0\]\.port must be 1-65535/],
    [{ elbv2: { r: { tg: { draining: [{ port: 80 }] } } } }, /draining\[0\] needs an id/],
  ];
  for (const [json, message] of bad) assert.throws(() => new FakeAwsState().load(json), message);
});

test('CIDR sets: IPv4 and IPv6 blocks; the private ranges an ip target group takes from outside its VPC', () => {
  const set = new CidrSet(['10.1.0.0/16', '2001:db8::/56']);
  assert.ok(set.has('10.1.2.3'));
  assert.ok(!set.has('10.2.0.1'));
  assert.ok(set.has('2001:db8:0:ff::1'));
  assert.ok(!set.has('2001:db8:1::1'));
  assert.ok(!set.has('not-an-ip'));
  for (const ip of ['10.9.9.9', '172.31.0.1', '192.168.7.7', '100.64.0.1', '100.127.255.255', 'fd00::1']) {
    assert.ok(OUTSIDE_VPC_RANGES.has(ip), ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2001:db8::1', '127.0.0.1']) {
    assert.ok(!OUTSIDE_VPC_RANGES.has(ip), ip);
  }
});

test("the README's example state file of `lbmanager fake-aws` loads", () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## `lbmanager fake-aws`'));
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(json, 'the section has a JSON state');
  const state = new FakeAwsState();
  state.load(JSON.parse(json));
  assert.deepEqual(state.toJSON().elbv2['us-east-1']?.['web-tg']?.draining, [{ id: '10.1.0.9', port: 80 }]);
});
