import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunk, planMembership } from '../../src/plan/membership-plan.js';
import { removalsExceedLimit, tallyRemovals } from '../../src/plan/removal-guard.js';
import { conflictsOf, recordChangesOf } from '../../src/plan/changes.js';
import {
  batchChanges,
  changeCost,
  planRecordSets,
  ROUTE53_LIMITS,
  type NamePlan,
} from '../../src/plan/route53-plan.js';
import type { RecordSet } from '../../src/plan/records.js';

describe('membership plan (Classic ELB, ELBv2)', () => {
  test('registers the missing and deregisters the extra', () => {
    const plan = planMembership(['i-0000000a', 'i-0000000b'], ['i-0000000b', 'i-0000000c'], 'sync');
    assert.deepEqual(plan.register, ['i-0000000a']);
    assert.deepEqual(plan.deregister, ['i-0000000c']);
  });

  test('in sync: nothing to do', () => {
    const plan = planMembership(['i-0000000a'], ['i-0000000a'], 'sync');
    assert.deepEqual([plan.register, plan.deregister], [[], []]);
  });

  test('upsert-only never removes', () => {
    const plan = planMembership([], ['i-0000000a'], 'upsert-only');
    assert.deepEqual(plan.deregister, []);
    assert.deepEqual(plan.keptByPolicy, ['i-0000000a']);
  });

  test('chunks of at most 100', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `i-${i.toString(16).padStart(8, '0')}`);
    const chunks = chunk(ids);
    assert.deepEqual(
      chunks.map((c) => c.length),
      [100, 100, 50],
    );
    assert.deepEqual(chunks.flat(), ids);
  });
});

const set = (name: string, type: 'A' | 'AAAA', values: string[], ttl = 60): RecordSet => ({ name, type, ttl, values });

/** The changes of a plan over owned sets only (no set in the way). */
const planChanges = (
  names: Parameters<typeof planRecordSets>[0],
  owned: RecordSet[],
  ttl: number,
  policy: 'sync' | 'upsert-only',
) => recordChangesOf(planRecordSets(names, { owned, foreign: [] }, ttl, policy).flatMap((p) => p.changes));

/** A zone's plans as batch changes and conflicts, the way the reconciler and `plan` read them. */
const view = (plans: NamePlan[]) => ({
  changes: recordChangesOf(plans.flatMap((p) => p.changes)),
  conflicts: plans.flatMap((p) => conflictsOf(p.changes).map((c) => ({ fqdn: p.fqdn, ...c }))),
});

describe('Route53 plan', () => {
  test('UPSERTs A for IPv4 members and AAAA for IPv6 members', () => {
    const changes = planChanges([{ fqdn: 'www.example.com', members: ['192.0.2.1', '2001:db8::1'] }], [], 60, 'sync');
    assert.deepEqual(changes, [
      { action: 'UPSERT', set: set('www.example.com', 'A', ['192.0.2.1']) },
      { action: 'UPSERT', set: set('www.example.com', 'AAAA', ['2001:db8::1']) },
    ]);
  });

  test('DELETEs a family with no members using its exact current values', () => {
    const current = set('www.example.com', 'AAAA', ['2001:DB8:0::1'], 300);
    const changes = planChanges(
      [{ fqdn: 'www.example.com', members: ['192.0.2.1'] }],
      [set('www.example.com', 'A', ['192.0.2.1']), current],
      60,
      'sync',
    );
    assert.deepEqual(changes, [{ action: 'DELETE', set: current }]);
  });

  test('no change when values match in another spelling; UPSERT when the TTL differs', () => {
    assert.deepEqual(
      planChanges(
        [{ fqdn: 'a.example.com', members: ['2001:db8::1'] }],
        [set('a.example.com', 'AAAA', ['2001:DB8:0:0::1'])],
        60,
        'sync',
      ),
      [],
    );
    const changes = planChanges(
      [{ fqdn: 'a.example.com', members: ['192.0.2.1'] }],
      [set('a.example.com', 'A', ['192.0.2.1'], 300)],
      60,
      'sync',
    );
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.set.ttl, 60);
  });

  test('the last member gone: the set is deleted; upsert-only keeps it', () => {
    const current = set('www.example.com', 'A', ['192.0.2.1']);
    assert.deepEqual(planChanges([{ fqdn: 'www.example.com', members: [] }], [current], 60, 'sync'), [
      { action: 'DELETE', set: current },
    ]);
    assert.deepEqual(planChanges([{ fqdn: 'www.example.com', members: [] }], [current], 60, 'upsert-only'), []);
  });

  test('upsert-only adds to the current values and removes none', () => {
    const changes = planChanges(
      [{ fqdn: 'w.example.com', members: ['192.0.2.2'] }],
      [set('w.example.com', 'A', ['192.0.2.1'])],
      60,
      'upsert-only',
    );
    assert.deepEqual(changes, [{ action: 'UPSERT', set: set('w.example.com', 'A', ['192.0.2.1', '192.0.2.2']) }]);
  });

  test('names that are not managed are never touched', () => {
    const changes = planChanges(
      [{ fqdn: 'a.example.com', members: ['192.0.2.1'] }],
      [set('other.example.com', 'A', ['192.0.2.9'])],
      60,
      'sync',
    );
    assert.deepEqual(
      changes.map((c) => c.set.name),
      ['a.example.com'],
    );
  });

  test('a 2,500-name change set is split into valid batches that keep every change in order', () => {
    const names = Array.from({ length: 2500 }, (_, i) => ({
      fqdn: `host-${String(i).padStart(4, '0')}.example.com`,
      members: [`10.${(i >> 8) & 255}.${i & 255}.1`, `10.${(i >> 8) & 255}.${i & 255}.2`],
    }));
    const changes = planChanges(names, [], 60, 'sync');
    assert.equal(changes.length, 2500);
    const batches = batchChanges(changes);
    assert.deepEqual(batches.flat(), changes, 'nothing lost, nothing reordered');
    for (const b of batches) {
      const cost = b
        .map(changeCost)
        .reduce((a, c) => ({ records: a.records + c.records, chars: a.chars + c.chars }), { records: 0, chars: 0 });
      assert.ok(cost.records <= ROUTE53_LIMITS.maxRecords, `records ${cost.records}`);
      assert.ok(cost.chars <= ROUTE53_LIMITS.maxChars, `chars ${cost.chars}`);
    }
    // 2,500 UPSERTs of 2 values count 10,000 records: at least 10 batches, and packing should not waste many.
    assert.ok(batches.length >= 10 && batches.length <= 11, `batches ${batches.length}`);
  });

  test('the character limit splits batches too', () => {
    const long = Array.from({ length: 40 }, (_, i) => `2001:db8:1234:5678:9abc:def0:${i.toString(16)}:1`);
    const changes = Array.from({ length: 30 }, (_, i) => ({
      action: 'UPSERT' as const,
      set: set(`n${i}.example.com`, 'AAAA', long),
    }));
    const batches = batchChanges(changes);
    for (const b of batches) assert.ok(b.map(changeCost).reduce((a, c) => a + c.chars, 0) <= 32000);
    assert.ok(batches.length > 1);
  });
});

describe('removal guard', () => {
  const t = (lastSeen: string[], desired: string[]) => ({ lastSeen, desired: new Set(desired) });
  const ids = (n: number, p = 'i'): string[] => Array.from({ length: n }, (_, i) => `${p}-${i}`);

  test('tallies members last seen and those the tree no longer wants, over all targets', () => {
    assert.deepEqual(tallyRemovals([t(ids(10), ids(5)), t(ids(4, 'x'), ids(4, 'x'))]), { managed: 14, pending: 5 });
  });

  test('a purge of everything is held', () => {
    const tally = tallyRemovals([t(ids(20), []), t(ids(20, 'x'), [])]);
    assert.equal(removalsExceedLimit(tally), true);
  });

  test('removing one load balancer out of three is not held', () => {
    const tally = tallyRemovals([t(ids(20), []), t(ids(20, 'x'), ids(20, 'x')), t(ids(20, 'y'), ids(20, 'y'))]);
    assert.equal(removalsExceedLimit(tally), false);
  });

  test('fewer than 10 removals are never held, even if they are all of it', () => {
    assert.equal(removalsExceedLimit(tallyRemovals([t(ids(9), [])])), false);
    assert.equal(removalsExceedLimit(tallyRemovals([t(ids(10), [])])), true);
  });

  test('the percentage is configurable and strictly exceeded', () => {
    const tally = { managed: 100, pending: 30 };
    assert.equal(removalsExceedLimit(tally, { maxRemovalPercent: 30, minRemovals: 10 }), false);
    assert.equal(removalsExceedLimit(tally, { maxRemovalPercent: 29, minRemovals: 10 }), true);
  });
});

describe('Route53 plan: sets lbmanager does not own', () => {
  const www = 'www.example.com';
  const members = ['192.0.2.1', '2001:db8::1'];

  test('an alias A at the name: A is a conflict, nothing replaces the alias; AAAA goes ahead', () => {
    const plan = view(
      planRecordSets(
        [{ fqdn: www, members }],
        { owned: [], foreign: [{ name: www, type: 'A', kind: 'alias' }] },
        60,
        'sync',
      ),
    );
    assert.deepEqual(plan.conflicts, [{ fqdn: www, type: 'A', with: 'alias' }]);
    assert.deepEqual(plan.changes, [{ action: 'UPSERT', set: set(www, 'AAAA', ['2001:db8::1']) }]);
  });

  test('weighted A sets: A is a conflict; the AAAA set is created, then deleted when its member goes', () => {
    const foreign = [
      { name: www, type: 'A', kind: 'routing-policy' as const, setIdentifier: 'blue' },
      { name: www, type: 'A', kind: 'routing-policy' as const, setIdentifier: 'green' },
    ];
    const add = view(planRecordSets([{ fqdn: www, members }], { owned: [], foreign }, 60, 'sync'));
    assert.deepEqual(add.conflicts, [{ fqdn: www, type: 'A', with: 'routing-policy' }]);
    assert.deepEqual(
      add.changes.map((c) => `${c.action} ${c.set.type}`),
      ['UPSERT AAAA'],
    );
    const aaaa = set(www, 'AAAA', ['2001:db8::1']);
    const gone = view(planRecordSets([{ fqdn: www, members: ['192.0.2.1'] }], { owned: [aaaa], foreign }, 60, 'sync'));
    assert.deepEqual(gone.changes, [{ action: 'DELETE', set: aaaa }]);
  });

  test('a CNAME at the name blocks both families; no keys for a family is no conflict', () => {
    const foreign = [{ name: www, type: 'CNAME', kind: 'cname' as const }];
    const both = view(planRecordSets([{ fqdn: www, members }], { owned: [], foreign }, 60, 'sync'));
    assert.deepEqual(
      both.conflicts.map((c) => c.type),
      ['A', 'AAAA'],
    );
    assert.deepEqual(both.changes, []);
    const none = view(planRecordSets([{ fqdn: www, members: [] }], { owned: [], foreign }, 60, 'sync'));
    assert.deepEqual(none, { changes: [], conflicts: [] });
  });
});
