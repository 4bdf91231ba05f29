import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { supersededKeys } from '../../src/tree/desired.js';
import { TreeIndex } from '../../src/tree/tree-index.js';
import type { Target, TreeEntry } from '../../src/tree/types.js';

const P = '/lbManager';
const ELB: Target = { kind: 'elb', region: 'us-east-1', name: 'web' };
const ELB_ID = 'elb/us-east-1/web';
const key = (cls: string, id: string): string => `${P}/elb/us-east-1/web/${cls}/${id}`;

/** A little etcd: every put gets the next revision, like the real one. */
class Tree {
  rev = 1n;
  readonly kvs = new Map<string, bigint>();
  put(k: string): this {
    this.kvs.set(k, ++this.rev);
    return this;
  }
  del(k: string): this {
    this.kvs.delete(k);
    this.rev++;
    return this;
  }
  entries(): TreeEntry[] {
    return [...this.kvs].map(([k, modRevision]) => ({ key: k, modRevision }));
  }
  desired(target: Target = ELB, id = ELB_ID): { activeClass: string | undefined; members: readonly string[] } {
    const index = new TreeIndex(P);
    index.replace(this.entries(), this.rev);
    const d = index.desired(target, id);
    return { activeClass: d.activeClass, members: d.members };
  }
}

const A = 'i-0000000a';
const B = 'i-0000000b';
const C = 'i-0000000c';

describe('desired state', () => {
  test('single: the newest single key wins', () => {
    const t = new Tree().put(key('single', A)).put(key('single', B));
    assert.deepEqual(t.desired(), { activeClass: 'single', members: [B] });
  });

  test('multiple: every multiple member', () => {
    const t = new Tree().put(key('multiple', C)).put(key('multiple', A)).put(key('multiple', B));
    assert.deepEqual(t.desired(), { activeClass: 'multiple', members: [A, B, C] });
  });

  test('a class switch follows the newest key, both ways', () => {
    const t = new Tree().put(key('multiple', A)).put(key('multiple', B)).put(key('single', C));
    assert.deepEqual(t.desired(), { activeClass: 'single', members: [C] });
    t.put(key('multiple', A));
    assert.deepEqual(t.desired(), { activeClass: 'multiple', members: [A, B] });
  });

  test('re-putting an old single key rolls back to it', () => {
    const t = new Tree().put(key('single', A)).put(key('single', B));
    t.put(key('single', A));
    assert.deepEqual(t.desired().members, [A]);
  });

  test('deleting the newest single key brings back the previous one', () => {
    const t = new Tree().put(key('single', A)).put(key('single', B)).put(key('single', C));
    t.del(key('single', C));
    assert.deepEqual(t.desired(), { activeClass: 'single', members: [B] });
  });

  test('no keys: empty membership', () => {
    const t = new Tree().put(key('single', A)).del(key('single', A));
    assert.deepEqual(t.desired(), { activeClass: undefined, members: [] });
  });

  test('route53: IPv6 members are canonical, so two spellings are one member', () => {
    const target: Target = { kind: 'route53', region: 'us-east-1', zoneId: 'Z1', fqdn: 'www.example.com' };
    const t = new Tree()
      .put(`${P}/route53/us-east-1/Z1/www.example.com/multiple/2001:DB8:0::1`)
      .put(`${P}/route53/us-east-1/Z1/WWW.example.com./multiple/2001:db8::1`)
      .put(`${P}/route53/us-east-1/Z1/www.example.com/multiple/192.0.2.1`);
    assert.deepEqual(t.desired(target, 'route53/Z1/www.example.com').members, ['192.0.2.1', '2001:db8::1']);
  });

  test('route53: the same zone and name under two regions are one target', () => {
    const target: Target = { kind: 'route53', region: 'us-east-1', zoneId: 'Z1', fqdn: 'www.example.com' };
    const t = new Tree()
      .put(`${P}/route53/us-east-1/Z1/www.example.com/multiple/192.0.2.1`)
      .put(`${P}/route53/eu-west-1/Z1/www.example.com/multiple/192.0.2.2`);
    assert.deepEqual(t.desired(target, 'route53/Z1/www.example.com').members, ['192.0.2.1', '192.0.2.2']);
  });

  test('the same tree gives the same result whatever the order of its keys', () => {
    const t = new Tree();
    for (let i = 0; i < 50; i++)
      t.put(key(i % 3 === 0 ? 'single' : 'multiple', `i-${(i + 1).toString(16).padStart(8, '0')}`));
    const entries = t.entries();
    const a = new TreeIndex(P);
    a.replace(entries, t.rev);
    const b = new TreeIndex(P);
    b.replace([...entries].reverse(), t.rev);
    assert.deepEqual(a.desired(ELB, ELB_ID), b.desired(ELB, ELB_ID));
  });

  test('keys written in one transaction (same revision) are ordered by name, deterministically', () => {
    const entries: TreeEntry[] = [
      { key: key('single', A), modRevision: 5n },
      { key: key('single', B), modRevision: 5n },
    ];
    const a = new TreeIndex(P);
    a.replace(entries, 5n);
    const b = new TreeIndex(P);
    b.replace([...entries].reverse(), 5n);
    assert.deepEqual(a.desired(ELB, ELB_ID).members, [B]);
    assert.deepEqual(b.desired(ELB, ELB_ID).members, [B]);
  });

  test('superseded keys: the inactive class and older single keys', () => {
    const t = new Tree().put(key('multiple', A)).put(key('single', B)).put(key('single', C));
    const index = new TreeIndex(P);
    index.replace(t.entries(), t.rev);
    const superseded = supersededKeys(index.entriesOf(ELB_ID))
      .map((e) => e.key)
      .sort();
    assert.deepEqual(superseded, [key('multiple', A), key('single', B)].sort());
  });
});

describe('desired state: routing policies (route53)', () => {
  const NAME: Target = { kind: 'route53', region: 'us-east-1', zoneId: 'Z1', fqdn: 'www.example.com' };
  const NAME_ID = 'route53/Z1/www.example.com';
  const dns = (cls: string, ip: string): string => `${P}/route53/us-east-1/Z1/www.example.com/${cls}/${ip}`;
  const desired = (entries: TreeEntry[]) => {
    const index = new TreeIndex(P);
    index.replace(entries, 100n);
    return index.desired(NAME, NAME_ID);
  };

  test('weighted: every weighted member with the weight of its value', () => {
    const d = desired([
      { key: dns('weighted', '192.0.2.1'), modRevision: 2n, value: '10' },
      { key: dns('weighted', '192.0.2.2'), modRevision: 3n, value: '' },
      { key: dns('weighted', '2001:db8::1'), modRevision: 4n, value: '0' },
    ]);
    assert.equal(d.activeClass, 'weighted');
    assert.deepEqual(d.members, ['192.0.2.1', '192.0.2.2', '2001:db8::1']);
    assert.deepEqual(d.weights, { '192.0.2.1': 10, '192.0.2.2': 1, '2001:db8::1': 0 });
  });

  test('one address written in two spellings weighs what its newest key says', () => {
    const d = desired([
      { key: dns('weighted', '2001:DB8::1'), modRevision: 5n, value: '9' },
      { key: dns('weighted', '2001:db8::1'), modRevision: 2n, value: '3' },
    ]);
    assert.deepEqual(d.weights, { '2001:db8::1': 9 });
  });

  test('multivalue: every multivalue member, no weights', () => {
    const d = desired([
      { key: dns('multivalue', '192.0.2.1'), modRevision: 2n },
      { key: dns('multivalue', '192.0.2.2'), modRevision: 3n },
    ]);
    assert.deepEqual([d.activeClass, d.members, d.weights], ['multivalue', ['192.0.2.1', '192.0.2.2'], undefined]);
  });

  test('the newest key picks the class: a switch to multiple and back to weighted', () => {
    const t = new Tree().put(dns('weighted', '192.0.2.1')).put(dns('weighted', '192.0.2.2'));
    assert.equal(t.desired(NAME, NAME_ID).activeClass, 'weighted');
    t.put(dns('multiple', '192.0.2.3'));
    assert.deepEqual(t.desired(NAME, NAME_ID), { activeClass: 'multiple', members: ['192.0.2.3'] });
    t.put(dns('weighted', '192.0.2.1'));
    assert.deepEqual(t.desired(NAME, NAME_ID), { activeClass: 'weighted', members: ['192.0.2.1', '192.0.2.2'] });
    const index = new TreeIndex(P);
    index.replace(t.entries(), t.rev);
    assert.deepEqual(
      supersededKeys(index.entriesOf(NAME_ID)).map((e) => e.key),
      [dns('multiple', '192.0.2.3')],
      'the keys of the inactive class are superseded',
    );
  });

  test('rewriting a weighted key with a new value changes the weight and marks its name', () => {
    const index = new TreeIndex(P);
    index.replace([{ key: dns('weighted', '192.0.2.1'), modRevision: 2n, value: '5' }], 2n);
    const u = index.apply([{ type: 'put', key: dns('weighted', '192.0.2.1'), modRevision: 3n, value: '50' }], 3n);
    assert.deepEqual([...u.changedTargets], [NAME_ID]);
    assert.deepEqual(index.desired(NAME, NAME_ID).weights, { '192.0.2.1': 50 });
  });

  test('a bad weight makes the key malformed (reported once): its member leaves, its neighbours stay', () => {
    const index = new TreeIndex(P);
    index.replace(
      [
        { key: dns('weighted', '192.0.2.1'), modRevision: 2n, value: '5' },
        { key: dns('weighted', '192.0.2.2'), modRevision: 3n, value: '6' },
      ],
      3n,
    );
    const u = index.apply([{ type: 'put', key: dns('weighted', '192.0.2.1'), modRevision: 4n, value: 'heavy' }], 4n);
    assert.deepEqual([...u.changedTargets], [NAME_ID], 'the name it left is marked');
    assert.equal(u.newMalformed.length, 1);
    assert.match(u.newMalformed[0]?.reason ?? '', /bad weight "heavy"/);
    assert.deepEqual(index.desired(NAME, NAME_ID).weights, { '192.0.2.2': 6 });
    const again = index.apply([{ type: 'put', key: dns('weighted', '192.0.2.1'), modRevision: 5n, value: 'x' }], 5n);
    assert.equal(again.newMalformed.length, 0, 'rewriting a malformed key does not warn again');
    index.apply([{ type: 'put', key: dns('weighted', '192.0.2.1'), modRevision: 6n, value: '7' }], 6n);
    assert.deepEqual(index.desired(NAME, NAME_ID).weights, { '192.0.2.1': 7, '192.0.2.2': 6 }, 'fixed, it is back');
  });

  test('a key parsed ahead from a keys-only page is parsed again once its value is known', () => {
    const index = new TreeIndex(P);
    index.parseAhead([{ key: dns('weighted', '192.0.2.1'), modRevision: 2n }]);
    index.replace([{ key: dns('weighted', '192.0.2.1'), modRevision: 2n, value: '42' }], 2n);
    assert.deepEqual(index.desired(NAME, NAME_ID).weights, { '192.0.2.1': 42 });
  });
});

describe('tree index', () => {
  test("a snapshot's keys of one target share one target object and one id; keys parsed ahead are not parsed again", () => {
    const index = new TreeIndex(P);
    const entries = [A, B, C].map((m, i) => ({ key: key('multiple', m), modRevision: BigInt(i + 2) }));
    const parsed = index.parseAhead(entries);
    assert.equal(new Set(parsed.map((p) => p.target)).size, 1, 'one target object for the three keys');
    assert.equal(new Set(parsed.map((p) => p.targetId)).size, 1);
    index.replace(entries, 4n);
    assert.equal(index.target(ELB_ID), parsed[0]?.target, 'the view keeps the object parsed ahead');
    assert.deepEqual(index.desired(ELB, ELB_ID).members, [A, B, C]);
  });

  test('pages of a read that failed, then the pages of the read that succeeded: the view is the snapshot', () => {
    const index = new TreeIndex(P);
    const w = (ip: string): string => `${P}/route53/us-east-1/Z1/www.example.com/weighted/${ip}`;
    const failed = [{ key: key('multiple', A), modRevision: 2n }];
    const snapshot: TreeEntry[] = [
      { key: key('multiple', A), modRevision: 2n },
      { key: key('multiple', C), modRevision: 5n },
      { key: `${P}/elb/us-east-1/web/bogus/${B}`, modRevision: 6n },
      { key: w('192.0.2.1'), modRevision: 7n },
      { key: w('192.0.2.2'), modRevision: 8n },
    ];
    index.parseAhead(failed);
    index.parseAhead(snapshot.map((e) => ({ key: e.key, modRevision: e.modRevision })));
    const weighted = snapshot.map((e) =>
      e.key.includes('/weighted/') ? { ...e, value: e.key.endsWith('1') ? '7' : '' } : e,
    );
    const u = index.replace(weighted, 8n);
    assert.deepEqual(index.desired(ELB, ELB_ID).members, [A, C]);
    assert.deepEqual(
      index.desired(
        { kind: 'route53', region: 'us-east-1', zoneId: 'Z1', fqdn: 'www.example.com' },
        'route53/Z1/www.example.com',
      ).weights,
      { '192.0.2.1': 7, '192.0.2.2': 1 },
    );
    assert.deepEqual(
      u.newMalformed.map((m) => m.key),
      [`${P}/elb/us-east-1/web/bogus/${B}`],
    );
    assert.equal(index.memberKeyCount, 4);
  });

  test('events report the targets they touched; malformed keys are reported once', () => {
    const index = new TreeIndex(P);
    index.replace([], 1n);
    const u1 = index.apply(
      [
        { type: 'put', key: key('multiple', A), modRevision: 2n },
        { type: 'put', key: `${P}/elb/us-east-1/web/bogus/${A}`, modRevision: 3n },
      ],
      3n,
    );
    assert.deepEqual([...u1.changedTargets], [ELB_ID]);
    assert.equal(u1.newMalformed.length, 1);
    const u2 = index.apply([{ type: 'put', key: `${P}/elb/us-east-1/web/bogus/${A}`, modRevision: 4n }], 4n);
    assert.equal(u2.newMalformed.length, 0, 'rewriting a malformed key does not warn again');
    const u3 = index.apply([{ type: 'delete', key: key('multiple', A), modRevision: 5n }], 5n);
    assert.deepEqual([...u3.changedTargets], [ELB_ID]);
    assert.equal(index.target(ELB_ID), undefined);
    assert.equal(index.revision, 5n);
  });

  test('a snapshot reports exactly the targets whose keys differ', () => {
    const index = new TreeIndex(P);
    const other = `${P}/elb/us-east-1/api/multiple/${A}`;
    index.replace(
      [
        { key: key('multiple', A), modRevision: 2n },
        { key: other, modRevision: 3n },
      ],
      3n,
    );
    const u = index.replace(
      [
        { key: key('multiple', A), modRevision: 2n },
        { key: `${P}/elb/us-east-1/db/multiple/${B}`, modRevision: 4n },
      ],
      4n,
    );
    assert.deepEqual([...u.changedTargets].sort(), ['elb/us-east-1/api', 'elb/us-east-1/db']);
  });

  test('names of a zone share one unit of work', () => {
    const index = new TreeIndex(P);
    index.replace(
      [
        { key: `${P}/route53/us-east-1/Z1/a.example.com/multiple/192.0.2.1`, modRevision: 2n },
        { key: `${P}/route53/us-east-1/Z1/b.example.com/multiple/192.0.2.2`, modRevision: 3n },
        { key: `${P}/route53/us-east-1/Z2/c.example.com/multiple/192.0.2.3`, modRevision: 4n },
      ],
      4n,
    );
    assert.deepEqual(index.targetIdsOfWork('route53/Z1').sort(), [
      'route53/Z1/a.example.com',
      'route53/Z1/b.example.com',
    ]);
  });
});
