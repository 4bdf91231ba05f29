import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Etcd3 } from 'etcd3';
import { createEtcdClient } from '../../src/etcd/client.js';
import { StateRecord } from '../../src/etcd/state-record.js';
import type { MemberEntry } from '../../src/tree/desired.js';
import { startEtcd, type EtcdServer } from '../helpers/etcd-server.js';

describe('state record and pruning against a real etcd', () => {
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

  const entry = async (key: string): Promise<MemberEntry> => {
    const res = await client.kv.range({ key: Buffer.from(key) });
    return {
      key,
      memberClass: 'single',
      member: key.split('/').pop() ?? '',
      modRevision: BigInt(res.kvs[0]?.mod_revision ?? '0'),
    };
  };

  test('prune deletes a superseded key only if its mod_revision is unchanged: a concurrent rewrite is never lost', async () => {
    const record = new StateRecord(client, '/_lbmanager/state/', () => undefined);
    const a = '/lbManager/elb/us-east-1/web/single/i-0000000a';
    const b = '/lbManager/elb/us-east-1/web/single/i-0000000b';
    await client.put(a).value('');
    await client.put(b).value('');
    const staleB = await entry(b);
    await client.put(b).value(''); // an operator rolls back to b while the prune is on its way
    assert.equal(await record.prune('elb/us-east-1/web', [await entry(a), staleB]), 1);
    assert.equal(await client.get(a).string(), null, 'the superseded key is gone');
    assert.notEqual(await client.get(b).string(), null, 'the rewritten key survived');
  });

  test('writes guarded by a campaign key fail once that key is gone', async () => {
    const guard = '/_lbmanager/election/test/1';
    await client.put(guard).value('me');
    const record = new StateRecord(client, '/_lbmanager/state/', () => guard);
    await record.record('elb/us-east-1/web', { kind: 'elb', region: 'us-east-1', name: 'web' }, ['i-0000000a'], true);
    assert.match((await client.get('/_lbmanager/state/elb/us-east-1/web').string()) ?? '', /i-0000000a/);
    await client.delete().key(guard);
    await record.record('elb/us-east-1/web', { kind: 'elb', region: 'us-east-1', name: 'web' }, ['i-0000000b'], true);
    assert.doesNotMatch(
      (await client.get('/_lbmanager/state/elb/us-east-1/web').string()) ?? '',
      /i-0000000b/,
      'a replica that lost leadership cannot write',
    );
    const loaded = await new StateRecord(client, '/_lbmanager/state/', () => undefined).load();
    assert.deepEqual(
      loaded.map((r) => [r.id, r.members]),
      [['elb/us-east-1/web', ['i-0000000a']]],
    );
  });
});
