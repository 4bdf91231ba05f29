import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Change } from '../../src/plan/changes.js';
import { planExitCode, renderPlanText, summarisePlan, type TargetPlan } from '../../src/plan/sync-plan.js';

/** A target's plan; `register` and `deregister` become its add and remove changes. */
const target = (over: Partial<TargetPlan> & { id: string; register?: string[]; deregister?: string[] }): TargetPlan => {
  const { register = [], deregister = [], ...rest } = over;
  return {
    kind: 'elb',
    activeClass: 'multiple',
    desired: [],
    actual: [],
    keptByPolicy: [],
    ...rest,
    changes: [
      ...register.map((member): Change => ({ kind: 'add', member })),
      ...deregister.map((member): Change => ({ kind: 'remove', member })),
      ...(rest.changes ?? []),
    ],
  };
};
const guard = { maxRemovalPercent: 50, confirmed: false };

describe('plan summary', () => {
  test('exit codes: 0 in sync, 2 with changes, 1 when a target could not be read', () => {
    const inSync = summarisePlan(5n, [target({ id: 'elb/r/a', desired: ['i-1'], actual: ['i-1'] })], 0, guard);
    assert.equal(planExitCode(inSync), 0);
    const changes = summarisePlan(5n, [target({ id: 'elb/r/a', register: ['i-2'] })], 0, guard);
    assert.equal(planExitCode(changes), 2);
    const failed = summarisePlan(
      5n,
      [target({ id: 'elb/r/a', register: ['i-2'] }), target({ id: 'elb/r/b', error: { code: 'X', message: 'y' } })],
      0,
      guard,
    );
    assert.equal(planExitCode(failed), 1);
  });

  test('says when the removal guard would hold the removals, and not when they are confirmed', () => {
    const members = Array.from({ length: 12 }, (_, i) => `i-${i}`);
    const purge = [target({ id: 'elb/r/a', actual: members, deregister: members })];
    const held = summarisePlan(1n, purge, 0, guard);
    assert.equal(held.removalsHeld, true);
    assert.match(renderPlanText(held), /removal guard would hold the 12 removals \(of 12 managed members\)/);
    assert.equal(summarisePlan(1n, purge, 0, { ...guard, confirmed: true }).removalsHeld, false);
    const few = [target({ id: 'elb/r/a', actual: members.slice(0, 4), deregister: members.slice(0, 4) })];
    assert.equal(summarisePlan(1n, few, 0, guard).removalsHeld, false, 'fewer than 10 removals are never held');
  });

  test('the text lists only targets with something to say, sorted, and counts malformed keys', () => {
    const text = renderPlanText(
      summarisePlan(
        9n,
        [
          target({ id: 'elb/r/z', register: ['i-9'] }),
          target({ id: 'elb/r/quiet', desired: ['i-1'], actual: ['i-1'] }),
          target({ id: 'elb/r/a', keptByPolicy: ['i-3'] }),
        ],
        2,
        guard,
      ),
    );
    assert.deepEqual(text.trimEnd().split('\n'), [
      'elb/r/a (elb, multiple)',
      '  = i-3 (kept: upsert-only policy)',
      'elb/r/z (elb, multiple)',
      '  + i-9',
      '1 of 3 targets would change at revision 9: 1 members added, 0 removed.',
      '2 malformed keys ignored (lbmanager validate lists them).',
    ]);
  });

  /** The plan of one weighted name. */
  const weightedName = (over: Partial<TargetPlan>) =>
    summarisePlan(
      4n,
      [target({ id: 'route53/Z1/w.example.com', kind: 'route53', activeClass: 'weighted', ...over })],
      0,
      guard,
    );

  test('a weighted name: each set with its weight and SetIdentifier; a weight change is a change', () => {
    const set = { name: 'w.example.com', type: 'A' as const, ttl: 60, values: ['192.0.2.1'] };
    const plan = weightedName({
      desired: ['192.0.2.1'],
      actual: ['192.0.2.1', '192.0.2.2'],
      weights: { '192.0.2.1': 20 },
      changes: [
        { kind: 'delete', set: { ...set, values: ['192.0.2.2'] }, removes: ['192.0.2.2'] },
        { kind: 'upsert', set: { ...set, setIdentifier: 'lbm:192.0.2.1', weight: 20 }, adds: [], removes: [] },
        {
          kind: 'upsert',
          set: {
            ...set,
            type: 'AAAA',
            values: ['2001:db8::1'],
            setIdentifier: 'lbm:2001:db8::1',
            multiValueAnswer: true,
          },
          adds: ['2001:db8::1'],
          removes: [],
        },
      ],
    });
    assert.equal(planExitCode(plan), 2);
    assert.deepEqual(renderPlanText(plan).trimEnd().split('\n'), [
      'route53/Z1/w.example.com (route53, weighted)',
      '  - DELETE A 192.0.2.2 (ttl 60)',
      '  ~ UPSERT A 192.0.2.1 weight 20 (ttl 60, set lbm:192.0.2.1)',
      '  ~ UPSERT AAAA 2001:db8::1 multivalue (ttl 60, set lbm:2001:db8::1)',
      '1 of 1 targets would change at revision 4: 1 members added, 1 removed.',
    ]);
  });

  test("members over Route53's limit of weighted sets are shown, and are not a pending change", () => {
    const plan = weightedName({
      changes: [{ kind: 'over-limit', type: 'A', members: ['10.0.0.100', '10.0.0.101'], limit: 100 }],
    });
    assert.equal(planExitCode(plan), 0);
    assert.match(
      renderPlanText(plan),
      /route53\/Z1\/w\.example\.com \(route53, weighted\)\n {2}! over Route53's limit of 100 weighted A sets: 10\.0\.0\.100 10\.0\.0\.101 not written\n/,
    );
  });
});
