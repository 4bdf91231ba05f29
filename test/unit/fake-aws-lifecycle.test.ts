import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handleElb } from '../../src/fake-aws/elb-api.js';
import { DEFAULT_ELB_MODEL, type ElbModel } from '../../src/fake-aws/elb-model.js';
import { handleElbv2 } from '../../src/fake-aws/elbv2-api.js';
import { Membership } from '../../src/fake-aws/membership.js';
import { FakeAwsState } from '../../src/fake-aws/state.js';
import { parseXml } from '../../src/fake-aws/xml.js';

// Lifecycle and lag on an injected clock: time moves only when a test says so, nothing sleeps.
const I1 = 'i-0000000000000000a';
const I2 = 'i-0000000000000000b';

function world(model: Partial<ElbModel> = {}) {
  let now = 1_000_000;
  const state = new FakeAwsState({ now: () => now });
  const m: ElbModel = { ...DEFAULT_ELB_MODEL, ...model };
  const tg = state.addTargetGroup('us-east-1', 'tg', {
    arn: 'arn:aws:elasticloadbalancing:us-east-1:0:targetgroup/tg/1',
  });
  state.addLoadBalancer('us-east-1', 'web');
  const call = (service: 'elb' | 'elbv2', op: string, params: Record<string, string>): Record<string, unknown> => {
    const p = new URLSearchParams({ Action: op, ...params });
    const answer =
      service === 'elbv2'
        ? handleElbv2(state, 'us-east-1', op, p, 'rid', m)
        : handleElb(state, 'us-east-1', op, p, 'rid', m);
    const doc = parseXml(answer.body)[`${op}Response`] as Record<string, unknown>;
    return doc[`${op}Result`] as Record<string, unknown>;
  };
  const targets = (ids: string[]): Record<string, string> =>
    Object.fromEntries(ids.flatMap((id, i) => [[`Targets.member.${i + 1}.Id`, id]]));
  return {
    state,
    model: m,
    tg,
    advance: (ms: number) => {
      now += ms;
    },
    register: (...ids: string[]) => call('elbv2', 'RegisterTargets', { TargetGroupArn: tg.arn, ...targets(ids) }),
    deregister: (...ids: string[]) => call('elbv2', 'DeregisterTargets', { TargetGroupArn: tg.arn, ...targets(ids) }),
    /** `id state reason` of every target DescribeTargetHealth lists. */
    health: (...ids: string[]): string[] => {
      const r = call('elbv2', 'DescribeTargetHealth', { TargetGroupArn: tg.arn, ...targets(ids) });
      const list = (r.TargetHealthDescriptions as { member?: Array<Record<string, Record<string, string>>> }).member;
      return (list ?? []).map((d) => [d.Target?.Id, d.TargetHealth?.State, d.TargetHealth?.Reason ?? '-'].join(' '));
    },
    classic: (op: string, ids: string[] = []) =>
      call('elb', op, {
        LoadBalancerName: 'web',
        ...Object.fromEntries(ids.map((id, i) => [`Instances.member.${i + 1}.InstanceId`, id])),
      }),
  };
}

describe('fake-aws ELBv2 target lifecycle (injected clock)', () => {
  test('a new target is initial (Elb.RegistrationInProgress), then healthy after healthyAfterMs', () => {
    const w = world({ healthyAfterMs: 100 });
    w.register(I1);
    assert.deepEqual(w.health(), [`${I1} initial Elb.RegistrationInProgress`]);
    w.advance(99);
    assert.deepEqual(w.health(), [`${I1} initial Elb.RegistrationInProgress`]);
    w.advance(1);
    assert.deepEqual(w.health(), [`${I1} healthy -`]);
    assert.deepEqual(w.state.toJSON().elbv2['us-east-1']?.['tg']?.targets, [{ id: I1, port: 80 }]);
  });

  test('a deregistered target drains for the deregistration delay, then is gone (unused, Target.NotRegistered)', () => {
    const w = world({ healthyAfterMs: 0, deregistrationDelayMs: 300 });
    w.register(I1, I2);
    w.advance(10);
    w.deregister(I1);
    assert.deepEqual(w.health(), [`${I1} draining Target.DeregistrationInProgress`, `${I2} healthy -`]);
    const json = w.state.toJSON().elbv2['us-east-1']?.['tg'];
    assert.deepEqual(json?.targets, [{ id: I2, port: 80 }], 'a draining target is not registered');
    assert.deepEqual(json?.draining, [{ id: I1, port: 80 }]);
    w.advance(299);
    assert.deepEqual(w.health(I1), [`${I1} draining Target.DeregistrationInProgress`]);
    w.advance(1);
    assert.deepEqual(w.health(), [`${I2} healthy -`]);
    assert.deepEqual(w.health(I1), [`${I1} unused Target.NotRegistered`]);
    assert.deepEqual(w.state.toJSON().elbv2['us-east-1']?.['tg']?.draining, []);
  });

  test("a group's own delays win over the account's; a delay of 0 removes at once", () => {
    const w = world({ healthyAfterMs: 100, deregistrationDelayMs: 300 });
    w.tg.healthyAfterMs = 1000;
    w.tg.deregistrationDelayMs = 0;
    w.register(I1);
    w.advance(500);
    assert.deepEqual(w.health(), [`${I1} initial Elb.RegistrationInProgress`]);
    w.advance(500);
    assert.deepEqual(w.health(), [`${I1} healthy -`]);
    w.deregister(I1);
    assert.deepEqual(w.health(), []);
  });

  test('a target registered again while draining is registered again as it was: healthy stays healthy', () => {
    const w = world({ healthyAfterMs: 100, deregistrationDelayMs: 300 });
    w.register(I1, I2);
    w.advance(200);
    w.deregister(I1);
    w.advance(50);
    w.register(I1);
    assert.deepEqual(w.health(), [`${I1} healthy -`, `${I2} healthy -`]);
    w.advance(1000);
    assert.deepEqual(w.health(), [`${I1} healthy -`, `${I2} healthy -`], 'the cancelled drain never ends it');
    // One still initial when deregistered resumes its health checks: healthy when they would have passed.
    w.register('i-0000000000000000c');
    w.advance(10);
    w.deregister('i-0000000000000000c');
    w.register('i-0000000000000000c');
    assert.deepEqual(w.health('i-0000000000000000c'), ['i-0000000000000000c initial Elb.RegistrationInProgress']);
    w.advance(90);
    assert.deepEqual(w.health('i-0000000000000000c'), ['i-0000000000000000c healthy -']);
  });

  test('a target failing its health checks is unhealthy (Target.FailedHealthChecks) once past initial, still registered', () => {
    const w = world({ healthyAfterMs: 100 });
    w.tg.unhealthy.add(I1);
    w.register(I1, I2);
    assert.deepEqual(w.health(), [
      `${I1} initial Elb.RegistrationInProgress`,
      `${I2} initial Elb.RegistrationInProgress`,
    ]);
    w.advance(100);
    assert.deepEqual(w.health(), [`${I1} unhealthy Target.FailedHealthChecks`, `${I2} healthy -`]);
    assert.deepEqual(
      w.state.toJSON().elbv2['us-east-1']?.['tg']?.targets,
      [
        { id: I1, port: 80 },
        { id: I2, port: 80 },
      ],
      'an unhealthy target is registered',
    );
    w.tg.unhealthy.delete(I1);
    assert.deepEqual(w.health(I1), [`${I1} healthy -`], 'it recovers when its checks pass again');
  });

  test('registering a registered target again changes nothing (no new health checks)', () => {
    const w = world({ healthyAfterMs: 100 });
    w.register(I1);
    w.advance(60);
    w.register(I1);
    w.advance(40);
    assert.deepEqual(w.health(), [`${I1} healthy -`]);
  });
});

describe('fake-aws describes that lag writes (describeLagMs, injected clock)', () => {
  test('DescribeTargetHealth shows the group as it was describeLagMs ago; writes apply at once', () => {
    const w = world({ healthyAfterMs: 0, deregistrationDelayMs: 300, describeLagMs: 500 });
    w.register(I1);
    assert.deepEqual(w.health(), [], 'not visible yet');
    assert.deepEqual(w.health(I1), [`${I1} unused Target.NotRegistered`]);
    assert.deepEqual(
      w.state.toJSON().elbv2['us-east-1']?.['tg']?.targets,
      [{ id: I1, port: 80 }],
      'but registered (the state is never lagged)',
    );
    w.advance(499);
    assert.deepEqual(w.health(), []);
    w.advance(1);
    assert.deepEqual(w.health(), [`${I1} healthy -`]);
    w.deregister(I1);
    w.advance(400);
    assert.deepEqual(w.health(), [`${I1} healthy -`], 'the deregistration is not visible yet');
    w.advance(100);
    assert.deepEqual(w.health(), [`${I1} draining Target.DeregistrationInProgress`]);
    w.advance(300);
    assert.deepEqual(w.health(), [], 'and its end, 300 ms later, as well');
  });

  test('Classic ELB: DescribeLoadBalancers and DescribeInstanceHealth lag; the write answers with the new list', () => {
    const w = world({ healthyAfterMs: 100, describeLagMs: 1000 });
    const reg = w.classic('RegisterInstancesWithLoadBalancer', [I1]);
    assert.deepEqual(reg.Instances, { member: [{ InstanceId: I1 }] });
    const members = (): unknown => {
      const d = w.classic('DescribeLoadBalancers') as {
        LoadBalancerDescriptions: { member: Array<{ Instances: unknown }> };
      };
      return d.LoadBalancerDescriptions.member[0]?.Instances;
    };
    assert.equal(members(), '', 'no instance yet');
    w.advance(1000);
    assert.deepEqual(members(), { member: [{ InstanceId: I1 }] });
    w.classic('DeregisterInstancesFromLoadBalancer', [I1]);
    w.advance(999);
    assert.deepEqual(members(), { member: [{ InstanceId: I1 }] });
    w.advance(1);
    assert.equal(members(), '');
  });
});

describe('fake-aws Classic ELB instance health (injected clock)', () => {
  test('OutOfService ("Instance registration is still in progress.") until healthyAfterMs, then InService', () => {
    const w = world({ healthyAfterMs: 100 });
    w.classic('RegisterInstancesWithLoadBalancer', [I1]);
    const states = (): unknown =>
      (w.classic('DescribeInstanceHealth') as { InstanceStates: { member: unknown[] } }).InstanceStates.member;
    assert.deepEqual(states(), [
      {
        InstanceId: I1,
        State: 'OutOfService',
        ReasonCode: 'ELB',
        Description: 'Instance registration is still in progress.',
      },
    ]);
    w.advance(100);
    assert.deepEqual(states(), [{ InstanceId: I1, State: 'InService', ReasonCode: 'N/A', Description: 'N/A' }]);
    const other = w.classic('DescribeInstanceHealth', [I2]) as { InstanceStates: { member: Array<{ State: string }> } };
    assert.equal(other.InstanceStates.member[0]?.State, 'Unknown');
  });
});

describe('fake-aws membership history', () => {
  test('asOf undoes later changes; forget drops what no lag can see', () => {
    const m = new Membership<number>();
    m.set('a', 1, 10);
    m.set('b', 2, 20);
    m.set('a', 3, 30);
    m.delete('b', 40);
    assert.deepEqual([...m.asOf(5)], []);
    assert.deepEqual([...m.asOf(10)], [['a', 1]]);
    assert.deepEqual([...m.asOf(25)].sort(), [
      ['a', 1],
      ['b', 2],
    ]);
    assert.deepEqual([...m.asOf(35)].sort(), [
      ['a', 3],
      ['b', 2],
    ]);
    assert.equal(m.asOf(40), m.current, 'no later change: the current members themselves');
    m.forget(25);
    assert.deepEqual(
      [...m.asOf(0)].sort(),
      [
        ['a', 1],
        ['b', 2],
      ],
      'changes before 25 are forgotten: the view goes back to 25 at most',
    );
  });
});
