import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/etcd/client.js';
import { readSnapshot } from '../../src/etcd/snapshot.js';
import { TreeSource, type TreeSink } from '../../src/etcd/source.js';
import type { TreeChange } from '../../src/tree/tree-index.js';
import type { TreeEntry } from '../../src/tree/types.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';
import { waitFor } from '../helpers/wait.js';
import { createLogger } from '../../src/util/logger.js';
import { instanceId as iid } from '../../scripts/lib/harness.mjs';

const P = '/lbManager';
// LBM_TEST_DEBUG=1 shows what the sources do.
const logger = process.env.LBM_TEST_DEBUG
  ? createLogger({ level: 'debug', format: 'text', stream: process.stderr })
  : undefined;

/** A sink that keeps the view as a map key -> mod_revision, like the daemon's index does. */
class MapSink implements TreeSink {
  readonly view = new Map<string, bigint>();
  snapshots = 0;
  stale: string[] = [];
  onSnapshot(entries: TreeEntry[]): void {
    this.snapshots++;
    this.view.clear();
    for (const e of entries) this.view.set(e.key, e.modRevision);
  }
  onEvents(events: TreeChange[]): void {
    for (const e of events) {
      if (e.type === 'put') this.view.set(e.key, e.modRevision);
      else this.view.delete(e.key);
    }
  }
  onStale(reason: string): void {
    this.stale.push(reason);
  }
}

async function truth(client: Etcd3): Promise<Map<string, bigint>> {
  const snap = await readSnapshot(client, P, { firstPageKeys: 1000, maxPageKeys: 3000 });
  return new Map(snap.entries.map((e) => [e.key, e.modRevision]));
}

function same(a: Map<string, bigint>, b: Map<string, bigint>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

async function putMany(client: Etcd3, keys: string[], value: string): Promise<void> {
  // Transactions of 100 puts, 8 in flight: fast enough for 60,000 keys on a small machine.
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map((b) =>
        client.kv.txn({
          compare: [],
          success: b.map((k) => ({ request_put: { key: Buffer.from(k), value: Buffer.from(value) } })),
          failure: [],
        }),
      ),
    );
  }
}

describe('etcd source against a real etcd', () => {
  let etcd: EtcdServer;
  let client: Etcd3;
  before(async () => {
    etcd = await startEtcd();
    client = createEtcdClient({ endpoints: [etcd.endpoint] });
  });
  after(async () => {
    client.close();
    await etcd.stop();
  });

  test('a snapshot larger than 4 MiB (60,000 keys) is read completely at one revision', async () => {
    const keys = Array.from(
      { length: 60_000 },
      (_, i) => `${P}/elb/us-east-1/lb-${Math.floor(i / 50)}/multiple/${iid(i + 1)}`,
    );
    await putMany(client, keys, 'v'.repeat(40));
    await client.put('/lbManagerOld/elb/us-east-1/old/multiple/i-00000001').value('');
    // Prove the pinning: a key written after the first page must not be in the snapshot.
    const late = `${P}/elb/us-east-1/zz-late/multiple/i-0000ffff`;
    const origRange = client.kv.range.bind(client.kv);
    let pages = 0;
    client.kv.range = async (req, opts) => {
      const res = await origRange(req, opts);
      if (++pages === 1) await client.put(late).value('');
      return res;
    };
    let snap;
    const paged: string[] = [];
    try {
      snap = await readSnapshot(client, P, {
        firstPageKeys: 5000,
        maxPageKeys: 5000,
        onPage: (page) => paged.push(...page.map((e) => e.key)),
      });
    } finally {
      client.kv.range = origRange;
    }
    assert.ok(pages >= 12, `read in pages (${pages})`);
    assert.equal(snap.entries.length, 60_000);
    assert.equal(new Set(snap.entries.map((e) => e.key)).size, 60_000);
    assert.deepEqual(
      paged,
      snap.entries.map((e) => e.key),
      'every page is shown once, in order, as it arrives',
    );
    assert.ok(!snap.entries.some((e) => e.key === late), 'a key written during the read is not in the snapshot');
    assert.ok(!snap.entries.some((e) => e.key.startsWith('/lbManagerOld/')), 'a sibling prefix is never read');
    assert.ok(snap.entries.every((e) => e.modRevision <= snap.revision));
    // By default the rest comes in a few even pages: etcd walks the whole rest of the range for every page.
    let ranges = 0;
    client.kv.range = async (req, opts) => {
      ranges++;
      return origRange(req, opts);
    };
    let whole;
    try {
      whole = await readSnapshot(client, P);
    } finally {
      client.kv.range = origRange;
    }
    assert.equal(ranges, 5, 'a first page of 5,000 keys, then the other 55,001 in four pages');
    assert.deepEqual(
      whole.entries.map((e) => e.key),
      [...snap.entries.map((e) => e.key), late].sort(),
    );
    // And the same key arrives as an event once the source watches from revision + 1.
    const sink = new MapSink();
    const source = new TreeSource({ client, prefix: P }, sink);
    await source.start();
    assert.ok(sink.view.has(late));
    await source.stop();
    await client.delete().prefix(`${P}/`);
  });

  test("weighted keys' values come with the snapshot, read at its revision, and with the watch; no other value is read", async () => {
    const w = (name: string, ip: string): string => `${P}/route53/us-east-1/Z1/${name}.example.com/weighted/${ip}`;
    const plain = `${P}/route53/us-east-1/Z1/www.example.com/multiple/192.0.2.9`;
    await client.put(w('a', '192.0.2.1')).value('10');
    await client.put(w('a', '192.0.2.2')).value('');
    await client.put(w('b', '192.0.2.3')).value('255');
    await client.put(plain).value('a value lbmanager never reads');
    // Three values of 1.4 MiB (etcd takes up to 1.5 MiB a request) do not fit one 4 MiB gRPC answer together.
    const big = Array.from({ length: 3 }, (_, i) => w('big', `192.0.2.${20 + i}`));
    for (const k of big) await client.put(k).value('7'.repeat(1_400_000));
    const origRange = client.kv.range.bind(client.kv);
    const ranges: Array<{ key: string; keysOnly: boolean; revision: string | undefined; limit: unknown }> = [];
    let first = true;
    client.kv.range = async (req, opts) => {
      ranges.push({
        key: String(req.key),
        keysOnly: req.keys_only === true,
        revision: req.revision?.toString(),
        limit: req.limit,
      });
      // The client takes answers of any size (grpc.max_receive_message_length -1), but a client with gRPC's default
      // 4 MiB limit refuses three values of 1.4 MiB in one answer: the reader must fall back to one key at a time.
      if (!req.keys_only && req.limit !== 1 && String(req.key).includes('/big.')) {
        throw new Error('Received message larger than max (4200123 vs. 4194304)');
      }
      const res = await origRange(req, opts);
      // A weight rewritten during the read is not in the snapshot: the weights are read at its revision.
      if (first) {
        first = false;
        await client.put(w('a', '192.0.2.1')).value('99');
      }
      return res;
    };
    let snap;
    try {
      snap = await readSnapshot(client, P);
    } finally {
      client.kv.range = origRange;
    }
    const value = (k: string): string | undefined => snap.entries.find((e) => e.key === k)?.value;
    assert.equal(value(w('a', '192.0.2.1')), '10', 'the value at the snapshot revision');
    assert.equal(value(w('a', '192.0.2.2')), '');
    assert.equal(value(w('b', '192.0.2.3')), '255');
    assert.equal(value(big[0] ?? '')?.length, 1_400_000, 'values too big for one answer are read one by one');
    assert.equal(value(plain), undefined, 'the values of other keys are never read');
    const valueReads = ranges.filter((r) => !r.keysOnly);
    assert.ok(
      valueReads.every((r) => r.revision === snap.revision.toString() && r.key.includes('/weighted/')),
      'only weighted keys, at the revision',
    );
    assert.deepEqual(
      [...new Set(valueReads.filter((r) => r.limit !== 1).map((r) => r.key.split('/')[5]))].sort(),
      ['a.example.com', 'b.example.com', 'big.example.com'],
      'one read per weighted name',
    );
    assert.ok(
      valueReads.some((r) => r.limit === 1 && r.key.includes('/big.')),
      'the name whose values are too big for one answer was read key by key',
    );
    const events: TreeChange[] = [];
    const sink = new MapSink();
    const source = new TreeSource(
      { client, prefix: P },
      {
        onSnapshot: (e) => sink.onSnapshot(e),
        onEvents: (e) => events.push(...e),
        onStale: (r) => sink.onStale(r),
      },
    );
    await source.start();
    await client.put(w('a', '192.0.2.2')).value('3');
    await client.put(plain).value('still unread');
    await waitFor('both events', () => Promise.resolve(events.length >= 2));
    assert.deepEqual(
      events.map((e) => [e.key, e.value]),
      [
        [w('a', '192.0.2.2'), '3'],
        [plain, undefined],
      ],
    );
    await source.stop();
    await client.delete().prefix(`${P}/`);
  });

  test('writes made between the snapshot and the watch start are all seen', async () => {
    const sink = new MapSink();
    const writes: Promise<unknown>[] = [];
    const wrapped: TreeSink = {
      onSnapshot: (e) => {
        sink.onSnapshot(e);
        // Write while the watch is being created.
        for (let i = 0; i < 50; i++) {
          writes.push(
            client
              .put(`${P}/elb/us-east-1/gap/multiple/${iid(i + 1)}`)
              .value('')
              .exec(),
          );
        }
      },
      onEvents: (e) => sink.onEvents(e),
      onStale: (r) => sink.onStale(r),
    };
    const source = new TreeSource({ client, prefix: P }, wrapped);
    await source.start();
    await Promise.all(writes);
    await waitFor('all 50 gap writes seen', async () => same(sink.view, await truth(client)));
    await source.stop();
  });

  test('after etcd is killed and restarted, with writes, deletes and a compaction meanwhile, the view equals the tree', async () => {
    const sink = new MapSink();
    const source = new TreeSource({ client, prefix: P, retryDelayMs: () => 200, ...(logger ? { logger } : {}) }, sink);
    await source.start();
    await client.put(`${P}/elb/us-east-1/k/multiple/${iid(1)}`).value('');
    await etcd.kill('SIGKILL');
    await etcd.restart();
    // Writes right after etcd returns, before the source has noticed or re-read.
    const writer = createEtcdClient({ endpoints: [etcd.endpoint] });
    for (let i = 2; i <= 40; i++) await writer.put(`${P}/elb/us-east-1/k/multiple/${iid(i)}`).value('');
    await writer.delete().key(`${P}/elb/us-east-1/k/multiple/${iid(1)}`);
    const rev = BigInt((await writer.kv.range({ key: Buffer.from('x') })).header.revision);
    await writer.kv.compact({ revision: rev.toString(), physical: true });
    for (let i = 41; i <= 60; i++) await writer.put(`${P}/elb/us-east-1/k/multiple/${iid(i)}`).value('');
    await waitFor('the view equals the tree', async () => same(sink.view, await truth(writer)), 30_000);
    assert.ok(sink.stale.length >= 1, 'the view was marked stale');
    assert.ok(source.watchRestarts >= 1);
    writer.close();
    await source.stop();
  });

  test('a compaction past the watch position forces a re-read and the view converges', async () => {
    const sink = new MapSink();
    // Freeze the consumer: the watch starts only after writes and a compaction have moved past its revision.
    const start = await readSnapshot(client, P);
    for (let i = 0; i < 100; i++) await client.put(`${P}/elb/us-east-1/frozen/multiple/${iid(i + 1)}`).value('');
    const rev = BigInt((await client.kv.range({ key: Buffer.from('x') })).header.revision);
    await client.kv.compact({ revision: rev.toString(), physical: true });
    const source = new TreeSource({ client, prefix: P, retryDelayMs: () => 100, ...(logger ? { logger } : {}) }, sink);
    // Deliver the old snapshot first, as a daemon frozen since then would have it, then watch from its revision.
    sink.onSnapshot(start.entries);
    (source as unknown as { rev: bigint }).rev = start.revision;
    await (source as unknown as { watchFrom(g: number, r: bigint): Promise<void> }).watchFrom(0, start.revision + 1n);
    await waitFor(
      'the view equals the tree after the compaction',
      async () => same(sink.view, await truth(client)),
      30_000,
    );
    assert.ok(
      sink.stale.some((r) => /compact|cancel/i.test(r)),
      `stale because of the compaction: ${sink.stale.join('; ')}`,
    );
    await source.stop();
  });

  test('resync delivers a fresh snapshot equal to the tree', async () => {
    const sink = new MapSink();
    const source = new TreeSource({ client, prefix: P }, sink);
    await source.start();
    const before = sink.snapshots;
    // Change the view behind the source's back, as a lost event would.
    sink.view.set(`${P}/bogus`, 1n);
    await source.resync();
    assert.equal(sink.snapshots, before + 1);
    assert.ok(same(sink.view, await truth(client)));
    await source.stop();
  });
  // etcd3 shares one gRPC watch stream between watchers. When its last watcher goes, it cancels that stream, takes the
  // CANCELLED status for a failure of the host and closes every gRPC client of it; a lease kept alive on the old
  // channel (the leader election's) then fails its next keepalive ping and takes the new watch down with it, about
  // 10 s later, and again after each re-read. These tests hold a lease like the election does.
  test('with a lease kept alive, resyncs leave the watch up: no restart over 15 s', async () => {
    const lease = client.lease(10);
    await lease.grant();
    const sink = new MapSink();
    const source = new TreeSource({ client, prefix: P, ...(logger ? { logger } : {}) }, sink);
    try {
      await source.start();
      await source.resync();
      await client.put(`${P}/elb/us-east-1/up/multiple/${iid(1)}`).value('');
      await source.resync();
      await new Promise((r) => setTimeout(r, 15_000));
      await client.put(`${P}/elb/us-east-1/up/multiple/${iid(2)}`).value('');
      await waitFor('the last write is seen', async () => same(sink.view, await truth(client)));
      assert.equal(source.watchRestarts, 0);
      assert.deepEqual(sink.stale, []);
    } finally {
      await source.stop();
      await lease.revoke();
    }
  });

  test('with a lease kept alive, a watch lost to a compaction is replaced once, and stays up', async () => {
    const lease = client.lease(10);
    await lease.grant();
    const sink = new MapSink();
    const start = await readSnapshot(client, P);
    for (let i = 0; i < 20; i++) await client.put(`${P}/elb/us-east-1/frozen2/multiple/${iid(i + 1)}`).value('');
    const rev = BigInt((await client.kv.range({ key: Buffer.from('x') })).header.revision);
    await client.kv.compact({ revision: rev.toString(), physical: true });
    const source = new TreeSource({ client, prefix: P, retryDelayMs: () => 100, ...(logger ? { logger } : {}) }, sink);
    // What start() does, but watching from the old snapshot's revision, as a daemon frozen since then would.
    const internals = source as unknown as {
      rev: bigint;
      keepStreamOpen(): void;
      watchFrom(g: number, r: bigint): Promise<void>;
    };
    try {
      sink.onSnapshot(start.entries);
      internals.rev = start.revision;
      internals.keepStreamOpen();
      await internals.watchFrom(0, start.revision + 1n);
      await waitFor('the view equals the tree after the compaction', async () => same(sink.view, await truth(client)));
      await new Promise((r) => setTimeout(r, 15_000));
      await client.put(`${P}/elb/us-east-1/frozen2/multiple/${iid(99)}`).value('');
      await waitFor('the last write is seen', async () => same(sink.view, await truth(client)));
      assert.equal(source.watchRestarts, 1, `restarts: ${sink.stale.join('; ')}`);
    } finally {
      await source.stop();
      await lease.revoke();
    }
  });
});
