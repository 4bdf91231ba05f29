import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryMembershipProvider, MemoryRoute53Provider } from '../../src/providers/in-memory.js';
import { AwsCallError } from '../../src/providers/types.js';
import { Reconciler, type ReconcilerOptions } from '../../src/reconcile/reconciler.js';
import type { TreeEntry } from '../../src/tree/types.js';
import { silentLogger } from '../../src/util/logger.js';
import { FakeClock, flush } from '../helpers/fake-clock.js';
import { instanceId as iid } from '../../scripts/lib/harness.mjs';

const P = '/lbManager';
const elbKey = (lb: string, cls: string, id: string): string => `${P}/elb/us-east-1/${lb}/${cls}/${id}`;
const dnsKey = (name: string, cls: string, ip: string): string => `${P}/route53/us-east-1/Z1/${name}/${cls}/${ip}`;

/** The daemon's settings at their flag defaults. */
const TEST_SETTINGS = {
  policy: 'sync',
  dryRun: false,
  route53Ttl: 60,
  concurrency: 16,
  reconcileTimeoutMs: 0,
  maxRemovalPercent: 50,
  confirmRemoval: false,
} as const;

function setup(opts: Partial<ReconcilerOptions> = {}) {
  const elb = new MemoryMembershipProvider();
  const r53 = new MemoryRoute53Provider();
  elb.create('us-east-1', 'web');
  r53.createZone('Z1');
  const clock = new FakeClock();
  const rec = new Reconciler({
    prefix: P,
    providers: { elb, route53: () => r53 },
    logger: silentLogger,
    clock,
    random: () => 0,
    settleMs: 0,
    ...TEST_SETTINGS,
    ...opts,
  });
  let rev = 1n;
  const entries = new Map<string, bigint>();
  const tree = {
    snapshot(): void {
      rec.onSnapshot(
        [...entries].map(([key, modRevision]): TreeEntry => ({ key, modRevision })),
        rev,
      );
    },
    put(...keys: string[]): void {
      rec.onEvents(
        keys.map((key) => {
          entries.set(key, ++rev);
          return { type: 'put' as const, key, modRevision: rev };
        }),
        rev,
      );
    },
    /** Puts one key with a value (a weighted key's weight). */
    putValue(key: string, value: string): void {
      entries.set(key, ++rev);
      rec.onEvents([{ type: 'put', key, modRevision: rev, value }], rev);
    },
    del(...keys: string[]): void {
      rec.onEvents(
        keys.map((key) => {
          entries.delete(key);
          return { type: 'delete' as const, key, modRevision: ++rev };
        }),
        rev,
      );
    },
    seed(...keys: string[]): void {
      for (const k of keys) entries.set(k, ++rev);
    },
  };
  const writes = () => [...elb.calls, ...r53.calls].filter((c) => c.op !== 'read' && c.op !== 'readRecordSets');
  return { elb, r53, rec, tree, clock, writes };
}

describe('reconciler: startup', () => {
  test('the first read starts AWS listings page by page, once per new name; later reads and standbys do not', async () => {
    const { elb, r53, rec, tree } = setup();
    const asked: string[] = [];
    Object.assign(elb, {
      prefetch: (region: string, names: readonly string[]) => asked.push(`elb ${region} ${names.join(',')}`),
    });
    Object.assign(r53, {
      prefetch: (zone: string, names: readonly string[]) => asked.push(`r53 ${zone} ${names.join(',')}`),
    });
    const page = (...keys: string[]): TreeEntry[] => keys.map((key, i) => ({ key, modRevision: BigInt(i + 1) }));
    rec.onSnapshotPage(page(elbKey('web', 'multiple', iid(1)), dnsKey('www.example.com', 'multiple', '192.0.2.1')));
    rec.onSnapshotPage(page(elbKey('web', 'multiple', iid(2)), `${P}/elb/us-east-1/bad name/multiple/${iid(3)}`));
    rec.onSnapshotPage(page(elbKey('api', 'multiple', iid(4)), dnsKey('api.example.com', 'single', '192.0.2.2')));
    assert.deepEqual(asked, [
      'elb us-east-1 web',
      'r53 Z1 www.example.com',
      'elb us-east-1 web,api',
      'r53 Z1 www.example.com,api.example.com',
    ]);
    assert.equal(elb.calls.length + r53.calls.length, 0, 'the reconciler itself reads nothing before the snapshot');
    tree.seed(elbKey('web', 'multiple', iid(1)));
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(1)]);
    asked.length = 0;
    rec.onSnapshotPage(page(elbKey('other', 'multiple', iid(5))));
    assert.deepEqual(asked, [], 'a re-read after the first pass starts nothing early');
    const standby = setup();
    const standbyAsked: string[] = [];
    Object.assign(standby.elb, { prefetch: () => standbyAsked.push('elb') });
    standby.rec.setWritable(false);
    standby.rec.onSnapshotPage(page(elbKey('web', 'multiple', iid(1))));
    assert.deepEqual(standbyAsked, [], 'a standby reads nothing');
  });

  test('nothing is called before the first complete snapshot', async () => {
    const { elb, rec, tree } = setup();
    tree.put(elbKey('web', 'multiple', iid(1)));
    await flush();
    assert.equal(elb.calls.length, 0);
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(1)]);
  });

  test('a restart against a tree that already matches AWS makes no write call', async () => {
    const { elb, r53, rec, tree, writes } = setup();
    elb.create('us-east-1', 'web', [iid(1), iid(2)]);
    await r53.changeRecordSets('Z1', [
      { action: 'UPSERT', set: { name: 'www.example.com', type: 'A', ttl: 60, values: ['192.0.2.1'] } },
    ]);
    r53.calls.length = 0;
    tree.seed(
      elbKey('web', 'multiple', iid(1)),
      elbKey('web', 'multiple', iid(2)),
      dnsKey('www.example.com', 'multiple', '192.0.2.1'),
    );
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(writes(), []);
    assert.ok(
      elb.calls.some((c) => c.op === 'read'),
      'it did compare with AWS',
    );
  });
});

describe('reconciler: first pass', () => {
  test('an empty tree finishes its first pass at once; a tree with targets when each was tried', async () => {
    const empty = setup();
    assert.equal(empty.rec.firstPassDone, false, 'not before the first snapshot');
    empty.tree.snapshot();
    assert.equal(empty.rec.firstPassDone, true);
    const s = setup();
    s.tree.seed(elbKey('web', 'multiple', iid(1)), elbKey('ghost', 'multiple', iid(2)));
    s.tree.snapshot();
    assert.equal(s.rec.firstPassDone, false);
    await s.rec.idle();
    assert.equal(s.rec.firstPassDone, true, 'a failing target (ghost) does not hold it back');
  });
});

describe('reconciler: Classic ELB', () => {
  test('a single switch registers the new member before it deregisters the old one', async () => {
    const { elb, rec, tree, writes } = setup();
    tree.seed(elbKey('web', 'single', iid(1)));
    tree.snapshot();
    await rec.idle();
    elb.calls.length = 0;
    tree.put(elbKey('web', 'single', iid(2)));
    await rec.idle();
    assert.deepEqual(
      writes().map((c) => [c.op, c.members]),
      [
        ['register', [iid(2)]],
        ['deregister', [iid(1)]],
      ],
    );
  });

  test('a burst of 1,000 members for one load balancer takes few register calls', async () => {
    const { elb, rec, tree } = setup();
    tree.snapshot();
    await rec.idle();
    for (let i = 0; i < 1000; i += 50) {
      tree.put(...Array.from({ length: 50 }, (_, j) => elbKey('web', 'multiple', iid(i + j + 1))));
      if (i % 200 === 0) await flush();
    }
    await rec.idle();
    assert.equal(elb.members('us-east-1', 'web').length, 1000);
    const registers = elb.calls.filter((c) => c.op === 'register');
    assert.ok(registers.length <= 15, `register calls: ${registers.length}`);
    assert.ok(registers.every((c) => c.members.length <= 100));
  });

  test('a member AWS rejects is isolated, the rest applied, and it is not retried until its key is written again', async () => {
    const { elb, rec, tree } = setup();
    elb.nameOffenders = false;
    elb.invalid.add(iid(3));
    tree.seed(...[1, 2, 3, 4, 5].map((n) => elbKey('web', 'multiple', iid(n))));
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(1), iid(2), iid(4), iid(5)]);
    const status = rec.status().find((s) => s.id === 'elb/us-east-1/web');
    assert.deepEqual(status?.rejected, [iid(3)]);
    const before = elb.calls.filter((c) => c.op === 'register').length;
    tree.put(elbKey('web', 'multiple', iid(6)));
    await rec.idle();
    const later = elb.calls.filter((c) => c.op === 'register').slice(before);
    assert.deepEqual(
      later.map((c) => c.members),
      [[iid(6)]],
      'the rejected member is not sent again',
    );
    elb.invalid.delete(iid(3));
    tree.put(elbKey('web', 'multiple', iid(3)));
    await rec.idle();
    assert.ok(elb.members('us-east-1', 'web').includes(iid(3)), 'rewriting its key retries it');
  });

  test("a rejected target keyed with the group's own port is not sent again either", async () => {
    // As ELBv2 does: `i-…:80` in a group on port 80 is the member `i-…`.
    const tg = Object.assign(new MemoryMembershipProvider(), {
      normalise: (_t: unknown, members: readonly string[]) => members.map((m) => m.replace(/:80$/, '')).sort(),
    });
    tg.create('us-east-1', 'web-tg');
    tg.invalid.add(iid(3));
    const { rec, tree } = setup({
      providers: { elb: new MemoryMembershipProvider(), elbv2: tg, route53: () => new MemoryRoute53Provider() },
    });
    const tgKey = (m: string): string => `${P}/elbv2/us-east-1/web-tg/multiple/${m}`;
    tree.seed(tgKey(`${iid(3)}:80`), tgKey(iid(4)));
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(rec.status().find((x) => x.id === 'elbv2/us-east-1/web-tg')?.rejected, [iid(3)]);
    const before = tg.calls.filter((c) => c.op === 'register').length;
    tree.put(tgKey(iid(5)));
    await rec.idle();
    const later = tg.calls.filter((c) => c.op === 'register').slice(before);
    assert.deepEqual(
      later.map((c) => c.members),
      [[iid(5)]],
    );
  });

  test('a missing load balancer backs off while the others converge', async () => {
    const { elb, rec, tree, clock } = setup();
    tree.seed(elbKey('ghost', 'multiple', iid(1)), elbKey('web', 'multiple', iid(2)));
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(2)]);
    const ghost = rec.status().find((s) => s.id === 'elb/us-east-1/ghost');
    assert.equal(ghost?.lastError?.code, 'LoadBalancerNotFound');
    assert.deepEqual(clock.pendingDelays(), [1000]);
    elb.create('us-east-1', 'ghost');
    clock.advance(1000);
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'ghost'), [iid(1)], 'created later: converges on the retry');
  });

  test('throttling is retried with backoff', async () => {
    const { elb, rec, tree, clock } = setup();
    elb.failNext.push(
      new AwsCallError('retryable', 'Throttling', 'Rate exceeded'),
      new AwsCallError('retryable', 'Throttling', 'Rate exceeded'),
    );
    tree.seed(elbKey('web', 'multiple', iid(1)));
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), []);
    clock.advance(1000);
    await rec.idle();
    clock.advance(2000);
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(1)]);
  });

  test('upsert-only never removes; dry-run writes nothing', async () => {
    const a = setup({ policy: 'upsert-only' });
    a.elb.create('us-east-1', 'web', [iid(9)]);
    a.tree.seed(elbKey('web', 'multiple', iid(1)));
    a.tree.snapshot();
    await a.rec.idle();
    assert.deepEqual(a.elb.members('us-east-1', 'web'), [iid(1), iid(9)]);
    const b = setup({ dryRun: true });
    b.elb.create('us-east-1', 'web', [iid(9)]);
    b.tree.seed(elbKey('web', 'multiple', iid(1)));
    b.tree.snapshot();
    await b.rec.idle();
    assert.deepEqual(b.writes(), []);
  });

  test('a stale view pauses reconciles until the next snapshot', async () => {
    const { elb, rec, tree } = setup();
    tree.snapshot();
    await rec.idle();
    rec.onStale('watch disconnected');
    tree.put(elbKey('web', 'multiple', iid(1)));
    await flush();
    assert.deepEqual(elb.members('us-east-1', 'web'), []);
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'web'), [iid(1)]);
  });
});

describe('reconciler: target quotas', () => {
  test('a full group swapping members frees room first, then registers: it converges', async () => {
    const { elb, rec, tree } = setup();
    elb.create('us-east-1', 'full', [iid(1), iid(2), iid(3)]);
    elb.limits.set('us-east-1/full', 3);
    tree.seed(...[1, 2, 3].map((n) => elbKey('full', 'multiple', iid(n))));
    tree.snapshot();
    await rec.idle();
    tree.del(elbKey('full', 'multiple', iid(1)), elbKey('full', 'multiple', iid(2)));
    tree.put(elbKey('full', 'multiple', iid(4)), elbKey('full', 'multiple', iid(5)));
    await rec.idle();
    assert.deepEqual(elb.members('us-east-1', 'full'), [iid(3), iid(4), iid(5)]);
    const st = rec.status().find((x) => x.id === 'elb/us-east-1/full');
    assert.equal(st?.lastError, undefined);
  });
});

describe('reconciler: Route53', () => {
  test('A for IPv4 members, AAAA for IPv6, the set deleted when its last member goes', async () => {
    const { r53, rec, tree } = setup();
    tree.snapshot();
    await rec.idle();
    tree.put(dnsKey('www.example.com', 'multiple', '192.0.2.1'), dnsKey('www.example.com', 'multiple', '2001:DB8::1'));
    await rec.idle();
    assert.deepEqual(
      r53.sets('Z1').map((s) => [s.name, s.type, s.values]),
      [
        ['www.example.com', 'A', ['192.0.2.1']],
        ['www.example.com', 'AAAA', ['2001:db8::1']],
      ],
    );
    tree.del(dnsKey('www.example.com', 'multiple', '2001:DB8::1'));
    await rec.idle();
    assert.deepEqual(
      r53.sets('Z1').map((s) => s.type),
      ['A'],
    );
    tree.del(dnsKey('www.example.com', 'multiple', '192.0.2.1'));
    await rec.idle();
    assert.deepEqual(r53.sets('Z1'), []);
  });

  test('an alias A at a managed name survives; the conflict is shown; the AAAA of the name converges', async () => {
    const { r53, rec, tree } = setup();
    r53.addForeign('Z1', { name: 'www.example.com', type: 'A', kind: 'alias' });
    tree.snapshot();
    await rec.idle();
    tree.put(dnsKey('www.example.com', 'multiple', '192.0.2.1'), dnsKey('www.example.com', 'multiple', '2001:db8::1'));
    await rec.idle();
    assert.deepEqual(r53.foreign.get('Z1'), [{ name: 'www.example.com', type: 'A', kind: 'alias' }], 'alias kept');
    assert.deepEqual(
      r53.sets('Z1').map((x) => [x.type, x.values]),
      [['AAAA', ['2001:db8::1']]],
    );
    const st = rec.status().find((x) => x.id === 'route53/Z1/www.example.com');
    assert.deepEqual(st?.conflicts, [{ type: 'A', with: 'alias' }]);
    assert.equal(st?.lastError, undefined, 'a conflict is not an error of the name');
  });

  test('weighted A sets at a name: its AAAA comes and goes with its keys; no call is spent on a refused batch', async () => {
    const { r53, rec, tree } = setup();
    for (const id of ['blue', 'green']) {
      r53.addForeign('Z1', { name: 'w.example.com', type: 'A', kind: 'routing-policy', setIdentifier: id });
    }
    tree.snapshot();
    await rec.idle();
    tree.put(dnsKey('w.example.com', 'multiple', '192.0.2.1'), dnsKey('w.example.com', 'multiple', '2001:db8::2'));
    await rec.idle();
    assert.deepEqual(
      r53.sets('Z1').map((x) => x.type),
      ['AAAA'],
    );
    tree.del(dnsKey('w.example.com', 'multiple', '2001:db8::2'));
    await rec.idle();
    assert.deepEqual(r53.sets('Z1'), []);
    const refused = r53.calls.filter((c) => c.op === 'changeRecordSets' && c.outcome !== 'ok');
    assert.deepEqual(refused, []);
    assert.equal(r53.foreign.get('Z1')?.length, 2, "the weighted sets are someone else's: untouched");
  });

  test('weighted members, a weight change, a switch to multiple and back, no keys: one batch each, never refused', async () => {
    const { r53, rec, tree } = setup();
    tree.snapshot();
    await rec.idle();
    const view = () =>
      r53
        .sets('Z1')
        .map(
          (x) =>
            `${x.type} ${x.setIdentifier ?? 'plain'} ${x.values.join(',')}${x.weight !== undefined ? ` w${x.weight}` : ''}`,
        );
    const batches = () => r53.calls.filter((c) => c.op === 'changeRecordSets').length;
    tree.putValue(dnsKey('w.example.com', 'weighted', '192.0.2.1'), '10');
    tree.putValue(dnsKey('w.example.com', 'weighted', '192.0.2.2'), '');
    await rec.idle();
    assert.deepEqual(view(), ['A lbm:192.0.2.1 192.0.2.1 w10', 'A lbm:192.0.2.2 192.0.2.2 w1']);
    const st = () => rec.status().find((x) => x.id === 'route53/Z1/w.example.com');
    assert.deepEqual([st()?.activeClass, st()?.weights], ['weighted', { '192.0.2.1': 10, '192.0.2.2': 1 }]);
    let before = batches();
    tree.putValue(dnsKey('w.example.com', 'weighted', '192.0.2.2'), '30');
    await rec.idle();
    assert.deepEqual(view(), ['A lbm:192.0.2.1 192.0.2.1 w10', 'A lbm:192.0.2.2 192.0.2.2 w30']);
    assert.equal(batches() - before, 1);
    before = batches();
    tree.put(dnsKey('w.example.com', 'multiple', '192.0.2.3'));
    await rec.idle();
    assert.deepEqual(view(), ['A plain 192.0.2.3']);
    assert.equal(batches() - before, 1, 'the switch is one request');
    assert.equal(st()?.weights, undefined);
    before = batches();
    tree.putValue(dnsKey('w.example.com', 'weighted', '192.0.2.1'), '10');
    await rec.idle();
    assert.deepEqual(view(), ['A lbm:192.0.2.1 192.0.2.1 w10', 'A lbm:192.0.2.2 192.0.2.2 w30']);
    assert.equal(batches() - before, 1, 'and back');
    tree.del(
      dnsKey('w.example.com', 'weighted', '192.0.2.1'),
      dnsKey('w.example.com', 'weighted', '192.0.2.2'),
      dnsKey('w.example.com', 'multiple', '192.0.2.3'),
    );
    await rec.idle();
    assert.deepEqual(view(), []);
    assert.deepEqual(
      r53.calls.filter((c) => c.op === 'changeRecordSets' && c.outcome !== 'ok'),
      [],
      'Route53 never saw plain and weighted sets side by side',
    );
  });

  test('every dirty name of a zone goes in one change batch', async () => {
    const { r53, rec, tree } = setup();
    tree.snapshot();
    await rec.idle();
    r53.calls.length = 0;
    tree.put(...Array.from({ length: 50 }, (_, i) => dnsKey(`n${i}.example.com`, 'multiple', `192.0.2.${i + 1}`)));
    await rec.idle();
    const changes = r53.calls.filter((c) => c.op === 'changeRecordSets');
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.members.length, 50);
    assert.equal(r53.sets('Z1').length, 50);
  });

  test('a rejected record is isolated and the rest of the batch applied', async () => {
    const { r53, rec, tree } = setup();
    r53.invalidValues.add('192.0.2.66');
    tree.seed(
      ...['a', 'b', 'c', 'd'].map((n, i) =>
        dnsKey(`${n}.example.com`, 'multiple', i === 2 ? '192.0.2.66' : `192.0.2.${i + 1}`),
      ),
    );
    tree.snapshot();
    await rec.idle();
    assert.deepEqual(
      r53.sets('Z1').map((s) => s.name),
      ['a.example.com', 'b.example.com', 'd.example.com'],
    );
    assert.deepEqual(rec.status().find((s) => s.id === 'route53/Z1/c.example.com')?.rejected, ['192.0.2.66']);
  });

  test('a stale read (DELETE values do not match) retries the zone instead of rejecting members', async () => {
    const { r53, rec, tree, clock } = setup();
    tree.seed(dnsKey('www.example.com', 'multiple', '192.0.2.1'));
    tree.snapshot();
    await rec.idle();
    // Someone changes the set behind our back between our read and our DELETE.
    const orig = r53.readRecordSets.bind(r53);
    let first = true;
    r53.readRecordSets = async (z, n) => {
      const sets = await orig(z, n);
      if (first) {
        first = false;
        await r53.changeRecordSets('Z1', [
          { action: 'UPSERT', set: { name: 'www.example.com', type: 'A', ttl: 60, values: ['192.0.2.9'] } },
        ]);
      }
      return sets;
    };
    tree.del(dnsKey('www.example.com', 'multiple', '192.0.2.1'));
    await rec.idle();
    assert.equal(r53.sets('Z1').length, 1, 'the DELETE failed on stale values');
    assert.deepEqual(rec.status().find((s) => s.id === 'route53/Z1/www.example.com')?.rejected, []);
    clock.advance(1000);
    await rec.idle();
    assert.deepEqual(r53.sets('Z1'), [], 'retried with a fresh read');
  });
});

describe('reconciler: removal guard', () => {
  const lbs = ['a', 'b', 'c'];
  const seedThree = (s: ReturnType<typeof setup>): void => {
    for (const lb of lbs) {
      s.elb.create(
        'us-east-1',
        lb,
        Array.from({ length: 10 }, (_, i) => iid(i + 1)),
      );
      s.tree.seed(...Array.from({ length: 10 }, (_, i) => elbKey(lb, 'multiple', iid(i + 1))));
    }
  };

  test('a purge of the whole tree is held until confirmed, then drained', async () => {
    const s = setup();
    seedThree(s);
    s.tree.snapshot();
    await s.rec.idle();
    s.tree.del(...lbs.flatMap((lb) => Array.from({ length: 10 }, (_, i) => elbKey(lb, 'multiple', iid(i + 1)))));
    await s.rec.idle();
    for (const lb of lbs) assert.equal(s.elb.members('us-east-1', lb).length, 10, `${lb} keeps its members`);
    assert.equal(s.rec.removalHold.held, true);
    assert.match(s.rec.removalHold.reason ?? '', /30 of 30/);
    assert.equal(s.rec.status().find((x) => x.id === 'elb/us-east-1/a')?.heldRemovals.length, 10);
    assert.deepEqual(s.writes(), []);
    s.rec.confirmRemovals();
    await s.rec.idle();
    for (const lb of lbs) assert.deepEqual(s.elb.members('us-east-1', lb), [], `${lb} drained`);
    assert.equal(s.rec.removalHold.held, false);
  });

  test("removing one load balancer's keys out of three is applied at once", async () => {
    const s = setup();
    seedThree(s);
    s.tree.snapshot();
    await s.rec.idle();
    s.tree.del(...Array.from({ length: 10 }, (_, i) => elbKey('b', 'multiple', iid(i + 1))));
    await s.rec.idle();
    assert.deepEqual(s.elb.members('us-east-1', 'b'), []);
    assert.equal(s.elb.members('us-east-1', 'a').length, 10);
    assert.equal(s.rec.removalHold.held, false);
  });

  test('at startup, removals wait until every target has been read, then the total decides', async () => {
    // b's members are in AWS but its keys now say "only one": 9 removals out of 30 managed, under the limit.
    const fresh = setup();
    for (const lb of lbs)
      fresh.elb.create(
        'us-east-1',
        lb,
        Array.from({ length: 10 }, (_, i) => iid(i + 1)),
      );
    fresh.tree.seed(...Array.from({ length: 10 }, (_, i) => elbKey('a', 'multiple', iid(i + 1))));
    fresh.tree.seed(...Array.from({ length: 10 }, (_, i) => elbKey('c', 'multiple', iid(i + 1))));
    fresh.tree.seed(elbKey('b', 'multiple', iid(1)));
    fresh.tree.snapshot();
    await fresh.rec.idle();
    assert.deepEqual(fresh.elb.members('us-east-1', 'b'), [iid(1)]);
    assert.equal(fresh.rec.removalHold.held, false);
  });

  test('--confirm-removal at start lets a meant purge through', async () => {
    const s = setup({ confirmRemoval: true });
    seedThree(s);
    s.tree.snapshot();
    await s.rec.idle();
    s.tree.del(...lbs.flatMap((lb) => Array.from({ length: 10 }, (_, i) => elbKey(lb, 'multiple', iid(i + 1)))));
    await s.rec.idle();
    for (const lb of lbs) assert.deepEqual(s.elb.members('us-east-1', lb), []);
  });

  test('confirming one target lets its removals through; the others stay held', async () => {
    const s = setup();
    seedThree(s);
    s.tree.snapshot();
    await s.rec.idle();
    s.tree.del(...lbs.flatMap((lb) => Array.from({ length: 10 }, (_, i) => elbKey(lb, 'multiple', iid(i + 1)))));
    await s.rec.idle();
    s.rec.confirmRemovals({ targets: ['elb/us-east-1/b'] });
    await s.rec.idle();
    assert.deepEqual(s.elb.members('us-east-1', 'b'), [], 'b drained');
    assert.equal(s.elb.members('us-east-1', 'a').length, 10, 'a held');
    assert.equal(s.elb.members('us-east-1', 'c').length, 10, 'c held');
    assert.equal(s.rec.removalHold.held, true);
    assert.deepEqual(s.rec.removalHold.confirmedTargets, [], "b's confirmation ended with its removals");
  });

  test('Route53: confirming one name removes its values; the zone keeps the others', async () => {
    const s = setup();
    const names = Array.from({ length: 12 }, (_, i) => dnsKey(`n${i}.example.com`, 'multiple', `192.0.2.${i + 1}`));
    s.tree.seed(...names);
    s.tree.snapshot();
    await s.rec.idle();
    s.tree.del(...names);
    await s.rec.idle();
    s.rec.confirmRemovals({ targets: ['route53/Z1/n3.example.com'] });
    await s.rec.idle();
    const left = s.r53.sets('Z1').map((x) => x.name);
    assert.equal(left.length, 11);
    assert.ok(!left.includes('n3.example.com'));
  });

  test('Route53: a purge of many names is held too', async () => {
    const s = setup();
    const names = Array.from({ length: 12 }, (_, i) => dnsKey(`n${i}.example.com`, 'multiple', `192.0.2.${i + 1}`));
    s.tree.seed(...names);
    s.tree.snapshot();
    await s.rec.idle();
    assert.equal(s.r53.sets('Z1').length, 12);
    s.tree.del(...names);
    await s.rec.idle();
    assert.equal(s.r53.sets('Z1').length, 12, 'records stay');
    assert.equal(s.rec.removalHold.held, true);
    s.rec.confirmRemovals();
    await s.rec.idle();
    assert.deepEqual(s.r53.sets('Z1'), []);
  });
});
