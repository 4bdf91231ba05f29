import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { notReadyReason, type AdminSources } from '../../src/admin/server.js';
import { parseListen } from '../../src/util/listen.js';
import type { Reconciler } from '../../src/reconcile/reconciler.js';
import { NO_HOLD } from '../helpers/removal-hold.js';

type ReconcilerView = Pick<Reconciler, 'synced' | 'firstPassDone' | 'removalHold'>;

function sources(over: Partial<ReconcilerView> = {}, opts: Partial<AdminSources> = {}): AdminSources {
  const reconciler: ReconcilerView = {
    synced: true,
    firstPassDone: true,
    removalHold: NO_HOLD,
    ...over,
  };
  return {
    reconciler: reconciler as Reconciler,
    metrics: undefined as never,
    isLeader: () => true,
    lastFullSync: () => 1_000_000,
    resyncInterval: 300,
    resync: () => undefined,
    now: () => 1_000_000 + 10_000,
    ...opts,
  };
}

describe('readiness (/readyz)', () => {
  test('ready once the tree is read and the first full pass is done', () => {
    assert.equal(notReadyReason(sources()), undefined);
  });

  test('not ready before the tree is read, or while the first pass runs', () => {
    assert.match(notReadyReason(sources({ synced: false })) ?? '', /not been read completely/);
    assert.match(notReadyReason(sources({ firstPassDone: false })) ?? '', /first reconcile/);
  });

  test('a leader whose last full sync is older than 3 resync intervals is not ready', () => {
    const at = (ageS: number) => sources({}, { now: () => 1_000_000 + ageS * 1000 });
    assert.equal(notReadyReason(at(900)), undefined, 'exactly 3 intervals is still fine');
    assert.match(notReadyReason(at(901)) ?? '', /last full sync finished 901 s ago, more than 3 resync intervals/);
    assert.equal(notReadyReason(sources({}, { now: () => 1e12, resyncInterval: 0 })), undefined, 'no resync, no age');
  });

  test('a standby is ready with a warm view; it does not reconcile, so sync age does not apply', () => {
    const s = sources({ firstPassDone: false }, { isLeader: () => false, now: () => 1e12 });
    assert.equal(notReadyReason(s), undefined);
  });

  test('a standby whose election cannot run is not ready: it would never take over', () => {
    const problem = 'leader election cannot run under /_lbmanager/election/: permission denied';
    const s = sources({}, { isLeader: () => false, electionProblem: () => problem });
    assert.equal(notReadyReason(s), problem);
  });

  test('held removals make the leader not ready, with the reason', () => {
    const s = sources({
      removalHold: { ...NO_HOLD, held: true, since: 1, pending: 12, managed: 12, reason: 'removals held: 12 of 12' },
    });
    assert.equal(notReadyReason(s), 'removals held: 12 of 12');
  });
});

describe('--http-listen values', () => {
  test('host:port, [v6]:port, and errors that say what is accepted', () => {
    assert.deepEqual(parseListen('127.0.0.1:9180'), { host: '127.0.0.1', port: 9180 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen(':9180'), { host: '0.0.0.0', port: 9180 });
    assert.throws(() => parseListen('9180'), /expected host:port/);
    assert.throws(() => parseListen('h:70000'), /expected host:port/);
  });
});
