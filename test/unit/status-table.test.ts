import assert from 'node:assert/strict';
import { test } from 'node:test';
import { targetJson, type StateJson } from '../../src/admin/state-view.js';
import { renderStatusText } from '../../src/admin/status-table.js';
import type { TargetStatus } from '../../src/reconcile/reconciler.js';
import { NO_HOLD } from '../helpers/removal-hold.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function status(over: Partial<TargetStatus> & Pick<TargetStatus, 'id' | 'kind'>): TargetStatus {
  return {
    activeClass: 'multiple',
    desired: [],
    actual: [],
    lastSyncAt: NOW - 5_000,
    lastError: undefined,
    rejected: [],
    keptByPolicy: [],
    heldRemovals: [],
    conflicts: [],
    ...over,
  };
}

function state(targets: TargetStatus[], over: Partial<StateJson> = {}): StateJson {
  return {
    identity: 'lbm-1:42',
    role: 'leader',
    leader: true,
    ready: true,
    notReadyReason: null,
    revision: '812',
    synced: true,
    watch: { watching: true, restarts: 1 },
    lastFullSync: new Date(NOW - 125_000).toISOString(),
    removalHold: NO_HOLD,
    malformedKeys: 0,
    tokenConfigured: false,
    now: new Date(NOW).toISOString(),
    targets: targets.map(targetJson),
    ...over,
  };
}

test('status table: the replica, then every target, failing and held first, with drift, age and notes', () => {
  const text = renderStatusText(
    state(
      [
        status({ kind: 'elb', id: 'elb/us-east-1/api', desired: ['i-1', 'i-2'], actual: ['i-1', 'i-2'] }),
        status({
          kind: 'route53',
          id: 'route53/Z1/apex.example.com',
          desired: ['192.0.2.1'],
          conflicts: [{ type: 'A', with: 'alias' }],
        }),
        status({
          kind: 'elb',
          id: 'elb/us-east-1/web',
          desired: [],
          actual: ['i-1', 'i-2', 'i-3'],
          heldRemovals: ['i-1', 'i-2', 'i-3'],
          lastSyncAt: NOW - 3 * 3600_000,
        }),
        status({
          kind: 'elb',
          id: 'elb/us-east-1/gone',
          desired: ['i-1'],
          actual: undefined,
          lastSyncAt: undefined,
          lastError: {
            code: 'LoadBalancerNotFound',
            message: "There is no ACTIVE Load Balancer named 'gone'",
            at: NOW,
          },
        }),
        status({ kind: 'elbv2', id: 'elbv2/us-east-1/tg', desired: ['10.0.0.5', '10.0.0.6'], actual: ['10.0.0.9'] }),
        status({ kind: 'elb', id: 'elb/us-east-1/new', desired: ['i-1'], actual: undefined, lastSyncAt: undefined }),
        status({
          kind: 'elb',
          id: 'elb/us-east-1/old',
          desired: ['i-1', 'i-dead'],
          actual: ['i-1'],
          rejected: ['i-dead'],
        }),
      ],
      {
        ready: false,
        notReadyReason: 'removals held: 3 of 5 managed members would be removed (limit 50%)',
        removalHold: {
          ...NO_HOLD,
          held: true,
          reason: 'removals held: 3 of 5 managed members would be removed (limit 50%)',
        },
      },
    ),
  );
  assert.equal(
    text,
    [
      'replica    lbm-1:42 (leader)',
      'readiness  not ready: removals held: 3 of 5 managed members would be removed (limit 50%)',
      'tree       revision 812, etcd watch up, 1 restart',
      'full sync  2 min ago',
      'malformed  none',
      '',
      'STATE         TARGET                       CLASS     DESIRED  IN AWS  DRIFT               LAST SYNC  NOTES',
      "failing       elb/us-east-1/gone           multiple        1       ?  unknown             never      LoadBalancerNotFound: There is no ACTIVE Load Balancer named 'gone'",
      'held          elb/us-east-1/web            multiple        0       3  3 extra             3 h ago    3 removals held',
      'conflict      route53/Z1/apex.example.com  multiple        1       0  1 missing           5 s ago    A is held by an alias set',
      'rejected      elb/us-east-1/old            multiple        2       1  1 missing           5 s ago    rejected by AWS: i-dead',
      'drift         elbv2/us-east-1/tg           multiple        2       1  2 missing, 1 extra  5 s ago',
      'not read yet  elb/us-east-1/new            multiple        1       ?  unknown             never',
      'in sync       elb/us-east-1/api            multiple        2       2  none                5 s ago',
      '',
      '7 targets: 1 failing, 1 held, 1 conflict, 1 rejected, 1 drift, 1 not read yet, 1 in sync',
      '',
    ].join('\n'),
  );
});

test('status table: a standby lists no targets and says why; a hold that is not the reason is shown too', () => {
  const text = renderStatusText(
    state([], {
      role: 'standby',
      leader: false,
      ready: false,
      notReadyReason: 'the tree has not been read completely yet',
      watch: { watching: false, restarts: 0 },
      malformedKeys: 2,
      removalHold: { ...NO_HOLD, held: true, reason: 'removals held: 12 of 12' },
    }),
  );
  assert.match(text, /^replica {4}lbm-1:42 \(standby\)$/m);
  assert.match(text, /^held {7}removals held: 12 of 12$/m);
  assert.match(text, /^tree {7}revision 812, etcd watch down, reading the tree, 0 restarts$/m);
  assert.match(text, /^malformed {2}2 keys \(lbmanager validate\)$/m);
  assert.match(text, /^No targets: a standby reconciles nothing \(the leader lists them\)\.$/m);
});

test('status table: control characters from the tree or AWS are shown escaped, and columns still line up', () => {
  const text = renderStatusText(
    state([
      status({
        kind: 'elb',
        id: 'elb/us-east-1/web',
        lastError: { code: 'Error', message: 'bad\u001b]0;pwned\u0007\nforged line', at: NOW },
      }),
      status({ kind: 'elb', id: 'elb/us-east-1/a\u009bb', desired: [], actual: [] }),
    ]),
  );
  // eslint-disable-next-line no-control-regex -- what must not reach the terminal
  assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  assert.match(text, /Error: bad\\x1b\]0;pwned\\x07\\nforged line$/m);
  const lines = text.split('\n').filter((l) => l.includes('elb/us-east-1/'));
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.indexOf('multiple'), lines[1]?.indexOf('multiple'), 'the escaped id is padded as shown');
});
