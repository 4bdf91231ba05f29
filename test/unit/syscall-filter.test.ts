import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syscallFilter } from '../helpers/systemd-unit.js';

const GROUPS: Record<string, string[]> = {
  '@default': ['exit_group', 'futex'],
  '@service': ['read', 'write', '@io', 'setrlimit', 'mount'],
  '@io': ['epoll_wait', 'read'],
  '@privileged': ['mount', '@chown'],
  '@chown': ['chown'],
  '@resources': ['setrlimit'],
};
const expand = (g: string): string[] => GROUPS[g] ?? [];

test('SystemCallFilter=: an allow list, then deny lines taking from it, in order', () => {
  const allowed = syscallFilter(['@service', '~@privileged @resources'], expand);
  for (const name of ['read', 'write', 'epoll_wait', 'exit_group', 'futex']) assert.equal(allowed(name), true, name);
  for (const name of ['mount', 'setrlimit', 'chown', 'pkey_alloc']) assert.equal(allowed(name), false, name);
  assert.equal(syscallFilter(['@service', '~@privileged', 'mount'], expand)('mount'), true, 'a later allow adds back');
});

test('SystemCallFilter=: a deny list first allows everything else; an empty line resets', () => {
  const allowed = syscallFilter(['~@privileged', 'chown'], expand);
  assert.equal(allowed('pkey_alloc'), true);
  assert.equal(allowed('mount'), false);
  assert.equal(allowed('chown'), true, 'an allow line after a deny list takes from the deny list');
  assert.equal(syscallFilter(['read', ''], expand)('mount'), true);
  assert.equal(syscallFilter(['~mount:EPERM'], expand)('mount'), false, 'an errno action is still a refusal');
});
