import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addedBy, conflictsOf, recordChangesOf, removedBy, type Change } from '../../src/plan/changes.js';
import { setIdentifierOf, type ForeignSet, type RecordChange, type RecordSet } from '../../src/plan/records.js';
import {
  batchChanges,
  changeCost,
  planRecordSets,
  ROUTE53_LIMITS,
  setsAfter,
  type NameDesired,
} from '../../src/plan/route53-plan.js';

const www = 'www.example.com';
const plain = (values: string[], ttl = 60, type: 'A' | 'AAAA' = 'A'): RecordSet => ({ name: www, type, ttl, values });
const weighted = (ip: string, weight: number, ttl = 60): RecordSet => ({
  name: www,
  type: ip.includes(':') ? 'AAAA' : 'A',
  ttl,
  values: [ip],
  setIdentifier: `lbm:${ip}`,
  weight,
});
const multivalue = (ip: string, ttl = 60): RecordSet => ({
  name: www,
  type: ip.includes(':') ? 'AAAA' : 'A',
  ttl,
  values: [ip],
  setIdentifier: `lbm:${ip}`,
  multiValueAnswer: true,
});
const foreignWeighted = (id: string, ttl = 300): ForeignSet => ({
  name: www,
  type: 'A',
  kind: 'routing-policy',
  setIdentifier: id,
  policy: 'weighted',
  ttl,
});

const plan = (
  names: NameDesired[],
  owned: RecordSet[] = [],
  foreign: ForeignSet[] = [],
  policy: 'sync' | 'upsert-only' = 'sync',
): Change[] => planRecordSets(names, { owned, foreign }, 60, policy).flatMap((p) => p.changes);
const brief = (changes: readonly Change[]): string[] =>
  recordChangesOf(changes).map(
    (c) =>
      `${c.action} ${c.set.type} ${c.set.setIdentifier ?? 'plain'} ${c.set.values.join(',')}` +
      (c.set.weight !== undefined ? ` w${c.set.weight}` : c.set.multiValueAnswer ? ' mv' : '') +
      ` ttl${c.set.ttl}`,
  );

describe('Route53 plan: weighted and multivalue names', () => {
  test("weighted: one set per member, lbmanager's SetIdentifier, the weight of its key", () => {
    const changes = plan([
      {
        fqdn: www,
        members: ['192.0.2.1', '192.0.2.2', '2001:db8::1'],
        routing: 'weighted',
        weights: { '192.0.2.1': 10, '192.0.2.2': 0 },
      },
    ]);
    assert.deepEqual(brief(changes), [
      'UPSERT A lbm:192.0.2.1 192.0.2.1 w10 ttl60',
      'UPSERT A lbm:192.0.2.2 192.0.2.2 w0 ttl60',
      'UPSERT AAAA lbm:2001:db8::1 2001:db8::1 w1 ttl60',
    ]);
    assert.deepEqual(addedBy(changes), ['192.0.2.1', '192.0.2.2', '2001:db8::1']);
  });

  test('multivalue: one MultiValueAnswer set per member, no weight', () => {
    const changes = plan([{ fqdn: www, members: ['192.0.2.1', '192.0.2.2'], routing: 'multivalue' }]);
    assert.deepEqual(brief(changes), [
      'UPSERT A lbm:192.0.2.1 192.0.2.1 mv ttl60',
      'UPSERT A lbm:192.0.2.2 192.0.2.2 mv ttl60',
    ]);
  });

  test('in sync: nothing; a weight change rewrites that member set alone, adding and removing no member', () => {
    const owned = [weighted('192.0.2.1', 10), weighted('192.0.2.2', 20)];
    const names = (w2: number): NameDesired[] => [
      {
        fqdn: www,
        members: ['192.0.2.1', '192.0.2.2'],
        routing: 'weighted',
        weights: { '192.0.2.1': 10, '192.0.2.2': w2 },
      },
    ];
    assert.deepEqual(plan(names(20), owned), []);
    const changes = plan(names(200), owned);
    assert.deepEqual(brief(changes), ['UPSERT A lbm:192.0.2.2 192.0.2.2 w200 ttl60']);
    assert.deepEqual([addedBy(changes), removedBy(changes)], [[], []]);
  });

  test('a member leaves: its set is deleted with its exact fields, and it counts as removed', () => {
    const gone = weighted('192.0.2.2', 20);
    const changes = plan(
      [{ fqdn: www, members: ['192.0.2.1'], routing: 'weighted', weights: { '192.0.2.1': 10 } }],
      [weighted('192.0.2.1', 10), gone],
    );
    assert.deepEqual(recordChangesOf(changes), [{ action: 'DELETE', set: gone }]);
    assert.deepEqual(removedBy(changes), ['192.0.2.2']);
  });

  test('plain to weighted: the plain set is deleted before the member sets are written; no member is removed', () => {
    const current = plain(['192.0.2.1', '192.0.2.2']);
    const changes = plan(
      [{ fqdn: www, members: ['192.0.2.1', '192.0.2.2'], routing: 'weighted', weights: { '192.0.2.1': 3 } }],
      [current],
    );
    assert.deepEqual(brief(changes), [
      'DELETE A plain 192.0.2.1,192.0.2.2 ttl60',
      'UPSERT A lbm:192.0.2.1 192.0.2.1 w3 ttl60',
      'UPSERT A lbm:192.0.2.2 192.0.2.2 w1 ttl60',
    ]);
    assert.deepEqual([addedBy(changes), removedBy(changes)], [[], []]);
    assert.equal(batchChanges(recordChangesOf(changes)).length, 1, 'one request: never without an answer');
  });

  test('weighted back to multiple: every member set is deleted, then the plain set written', () => {
    const changes = plan(
      [{ fqdn: www, members: ['192.0.2.1', '192.0.2.3'], routing: 'plain' }],
      [weighted('192.0.2.1', 10), weighted('192.0.2.2', 20)],
    );
    assert.deepEqual(brief(changes), [
      'DELETE A lbm:192.0.2.1 192.0.2.1 w10 ttl60',
      'DELETE A lbm:192.0.2.2 192.0.2.2 w20 ttl60',
      'UPSERT A plain 192.0.2.1,192.0.2.3 ttl60',
    ]);
    assert.deepEqual([addedBy(changes), removedBy(changes)], [['192.0.2.3'], ['192.0.2.2']]);
  });

  test('weighted to multivalue: the same SetIdentifier is deleted and written again with the other policy', () => {
    const changes = plan([{ fqdn: www, members: ['192.0.2.1'], routing: 'multivalue' }], [weighted('192.0.2.1', 5)]);
    assert.deepEqual(brief(changes), [
      'DELETE A lbm:192.0.2.1 192.0.2.1 w5 ttl60',
      'UPSERT A lbm:192.0.2.1 192.0.2.1 mv ttl60',
    ]);
  });

  test('no keys: every set lbmanager owns at the name is deleted, plain or not; other owners are never touched', () => {
    const owned = [weighted('192.0.2.1', 1), multivalue('2001:db8::1'), plain(['192.0.2.9'])];
    const changes = plan([{ fqdn: www, members: [] }], owned, [foreignWeighted('blue')]);
    assert.deepEqual(
      recordChangesOf(changes).map((c) => c.action),
      ['DELETE', 'DELETE', 'DELETE'],
    );
    assert.deepEqual(removedBy(changes).sort(), ['192.0.2.1', '192.0.2.9', '2001:db8::1']);
    assert.deepEqual(plan([{ fqdn: www, members: [] }], owned, [], 'upsert-only'), []);
  });

  test('upsert-only (or held removals): the switch happens, but members AWS has stay, weighing 1', () => {
    const changes = plan(
      [{ fqdn: www, members: ['192.0.2.1'], routing: 'weighted', weights: { '192.0.2.1': 9 } }],
      [plain(['192.0.2.1', '192.0.2.2'], 300)],
      [],
      'upsert-only',
    );
    assert.deepEqual(brief(changes), [
      'DELETE A plain 192.0.2.1,192.0.2.2 ttl300',
      'UPSERT A lbm:192.0.2.1 192.0.2.1 w9 ttl60',
      'UPSERT A lbm:192.0.2.2 192.0.2.2 w1 ttl60',
    ]);
    assert.deepEqual(removedBy(changes), []);
    const kept = plan(
      [{ fqdn: www, members: ['192.0.2.1'], routing: 'weighted', weights: { '192.0.2.1': 9 } }],
      [weighted('192.0.2.1', 9, 300), weighted('192.0.2.2', 4, 300)],
      [],
      'upsert-only',
    );
    assert.deepEqual(kept, [], 'an extra weighted member stays as it is, and the TTL too');
  });

  test('a health check attached to one of its sets by hand stays attached when the set is rewritten', () => {
    const checked = { ...weighted('192.0.2.1', 1), healthCheckId: 'hc-1' };
    const [c] = recordChangesOf(
      plan([{ fqdn: www, members: ['192.0.2.1'], routing: 'weighted', weights: { '192.0.2.1': 2 } }], [checked]),
    );
    assert.equal(c?.set.healthCheckId, 'hc-1');
  });

  test('a set of its own edited by hand to another value is written back', () => {
    const edited = { ...weighted('192.0.2.1', 1), values: ['198.51.100.7'] };
    const changes = plan([{ fqdn: www, members: ['192.0.2.1'], routing: 'weighted' }], [edited]);
    assert.deepEqual(brief(changes), ['UPSERT A lbm:192.0.2.1 192.0.2.1 w1 ttl60']);
    assert.deepEqual(removedBy(changes), ['198.51.100.7']);
  });

  test("over Route53's 100 weighted sets: the sets that exist stay, new members fill the rest, the others are reported", () => {
    const ips = Array.from({ length: 103 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    const owned = ips.slice(3, 63).map((m) => weighted(m, 1));
    const theirs = Array.from({ length: 30 }, (_, i) => foreignWeighted(`other-${i}`, 60));
    const changes = plan([{ fqdn: www, members: ips, routing: 'weighted' }], owned, theirs);
    const upserts = recordChangesOf(changes);
    assert.equal(upserts.length, 10, '70 sets fit beside 30 of another owner: the 60 there and 10 more');
    // New members in the order of their addresses as strings, as sets are planned.
    const fresh = ips.filter((m) => !owned.some((o) => o.values[0] === m)).sort();
    assert.deepEqual(
      upserts.map((c) => c.set.values[0]),
      fresh.slice(0, 10),
    );
    const over = changes.flatMap((c) => (c.kind === 'over-limit' ? [c] : []));
    assert.deepEqual(
      over.map((c) => [c.type, c.limit, c.members]),
      [['A', 100, fresh.slice(10)]],
    );
    assert.deepEqual(
      plan([{ fqdn: www, members: ips, routing: 'multivalue' }]).filter((c) => c.kind === 'over-limit'),
      [],
    );
  });

  test('SetIdentifiers stay far within the 128 characters Route53 takes', () => {
    for (const ip of ['255.255.255.255', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '::ffff:255.255.255.255']) {
      assert.ok(setIdentifierOf(ip).length <= 128);
      assert.ok(setIdentifierOf(ip).startsWith('lbm:'));
    }
  });
});

describe('Route53 plan: routing-policy sets of other owners', () => {
  const members = ['192.0.2.1', '2001:db8::1'];
  const conflicts = (changes: readonly Change[]) => conflictsOf(changes).map((c) => `${c.type} ${c.with}`);

  test('weighted sets of another owner: lbmanager adds its own beside them, with their TTL', () => {
    const changes = plan(
      [{ fqdn: www, members, routing: 'weighted', weights: { '192.0.2.1': 5 } }],
      [],
      [foreignWeighted('blue', 300), foreignWeighted('green', 300)],
    );
    assert.deepEqual(conflicts(changes), []);
    assert.deepEqual(brief(changes), [
      'UPSERT A lbm:192.0.2.1 192.0.2.1 w5 ttl300',
      'UPSERT AAAA lbm:2001:db8::1 2001:db8::1 w1 ttl60',
    ]);
  });

  test('where Route53 refuses the mix, the family is a conflict and nothing is written there', () => {
    const latency: ForeignSet = { name: www, type: 'A', kind: 'routing-policy', setIdentifier: 'eu', policy: 'other' };
    const alias: ForeignSet = { name: www, type: 'A', kind: 'alias' };
    const cname: ForeignSet = { name: www, type: 'CNAME', kind: 'cname' };
    const cases: Array<[NameDesired['routing'], ForeignSet, string[]]> = [
      ['weighted', latency, ['A routing-policy']],
      ['multivalue', foreignWeighted('blue'), ['A routing-policy']],
      ['plain', foreignWeighted('blue'), ['A routing-policy']],
      ['weighted', alias, ['A alias']],
      ['multivalue', cname, ['A cname', 'AAAA cname']],
    ];
    for (const [routing, foreign, want] of cases) {
      const changes = plan([{ fqdn: www, members, routing }], [], [foreign]);
      assert.deepEqual(conflicts(changes), want, `${routing} beside ${foreign.kind} ${foreign.policy ?? ''}`);
      assert.ok(
        recordChangesOf(changes).every((c) => c.set.type === 'AAAA'),
        'the other family goes ahead unless a CNAME holds the name',
      );
    }
  });

  test('switching to multiple beside weighted sets of another owner is a conflict: its own weighted sets stay', () => {
    const changes = plan(
      [{ fqdn: www, members: ['192.0.2.1'], routing: 'plain' }],
      [weighted('192.0.2.1', 5)],
      [foreignWeighted('blue')],
    );
    assert.deepEqual(conflicts(changes), ['A routing-policy']);
    assert.deepEqual(recordChangesOf(changes), []);
  });
});

describe('Route53 batches with routing-policy sets', () => {
  const names = (n: number, per: number): NameDesired[] =>
    Array.from({ length: n }, (_, i) => ({
      fqdn: `n${String(i).padStart(3, '0')}.example.com`,
      members: Array.from({ length: per }, (_, j) => `10.${i}.${j >> 8}.${j & 255}`),
      routing: 'weighted' as const,
    }));
  const cost = (b: readonly RecordChange[]) =>
    b.map(changeCost).reduce((a, c) => ({ records: a.records + c.records, chars: a.chars + c.chars }), {
      records: 0,
      chars: 0,
    });

  test('a burst of weighted members over a zone goes in as few requests as the limits allow', () => {
    // 30 names x 50 weighted members: 1,500 UPSERTs of one value, 3,000 records counting UPSERT double.
    const changes = recordChangesOf(plan(names(30, 50)));
    const batches = batchChanges(changes);
    assert.deepEqual(batches.flat(), changes, 'nothing lost, nothing reordered');
    assert.equal(batches.length, 3);
    for (const b of batches) assert.ok(cost(b).records <= ROUTE53_LIMITS.maxRecords);
  });

  test("a name and family's changes are never split over two requests when they fit one", () => {
    // 8 names x 70: each name's 70 UPSERTs (140 records) stay together, so a request holds 7 names at most.
    const batches = batchChanges(recordChangesOf(plan(names(8, 70))));
    const namesIn = batches.map((b) => new Set(b.map((c) => c.set.name)));
    for (let i = 1; i < namesIn.length; i++) {
      for (const n of namesIn[i] ?? []) assert.ok(!namesIn[i - 1]?.has(n), `${n} split over two requests`);
    }
  });

  test('a switch too large for one request still sends its DELETEs with the first set that answers', () => {
    const members = Array.from({ length: 600 }, (_, j) => `10.1.${j >> 8}.${j & 255}`);
    const changes = recordChangesOf(plan([{ fqdn: www, members, routing: 'multivalue' }], [plain(members)]));
    const batches = batchChanges(changes);
    assert.ok(batches.length > 1);
    assert.deepEqual(
      batches[0]?.slice(0, 2).map((c) => c.action),
      ['DELETE', 'UPSERT'],
    );
    assert.deepEqual(batches.flat(), changes);
  });

  test('the sets after applied changes: DELETEs remove, UPSERTs write', () => {
    const after = setsAfter(
      [plain(['192.0.2.1']), weighted('2001:db8::1', 1)],
      [
        { action: 'DELETE', set: plain(['192.0.2.1']) },
        { action: 'UPSERT', set: weighted('192.0.2.1', 4) },
        { action: 'UPSERT', set: weighted('2001:db8::1', 9) },
      ],
    );
    assert.deepEqual(after, [weighted('2001:db8::1', 9), weighted('192.0.2.1', 4)]);
  });
});
