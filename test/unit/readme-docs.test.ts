import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { desiredMembers, type MemberEntry } from '../../src/tree/desired.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The text of a README section, from its heading to the next heading of the same or a higher level. */
function section(heading: RegExp): string {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  assert.ok(start >= 0, `the README has a section ${String(heading)}`);
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 2;
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0].length ?? 9) <= level);
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

const ORIGINAL_POLICY = [
  'elasticloadbalancing:DescribeLoadBalancers',
  'elasticloadbalancing:RegisterInstancesWithLoadBalancer',
  'elasticloadbalancing:DeregisterInstancesFromLoadBalancer',
  'route53:ChangeResourceRecordSets',
];

test('the migration notes list every IAM action the original policy lacks', () => {
  const json = /```json\n([\s\S]*?)```/.exec(section(/^## IAM policy/))?.[1] ?? '{}';
  const policy = JSON.parse(json) as { Statement: Array<{ Action: string[] }> };
  const needed = new Set(policy.Statement.flatMap((s) => s.Action));
  const notes = section(/^### .*original policy/i);
  for (const action of ORIGINAL_POLICY) assert.ok(notes.includes(`\`${action}\``), `names the original's ${action}`);
  const listed = new Set(
    notes
      .split('\n')
      .filter((l) => l.startsWith('- '))
      .flatMap((l) => [...l.matchAll(/`((?:elasticloadbalancing|route53):\w+)`/g)].map((m) => m[1] ?? '')),
  );
  assert.deepEqual([...listed].sort(), [...needed].filter((a) => !ORIGINAL_POLICY.includes(a)).sort());
});

// fleet (CoreOS's retired scheduler) reads only these options of a unit's [X-Fleet] section.
const FLEET_OPTIONS = new Set(['MachineID', 'MachineOf', 'MachineMetadata', 'Conflicts', 'Global', 'Replaces']);

test('the fleet options the units show are options fleet has, and Conflicts= globs name a template', () => {
  const dir = join(ROOT, 'systemd');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.service'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    const block = /^#\s*\[X-Fleet\]\n((?:#\s+\w+=.*\n)+)/m.exec(text)?.[1] ?? '';
    assert.ok(block !== '', `${name} shows its [X-Fleet] options`);
    for (const m of block.matchAll(/^#\s+(\w+)=(.*)$/gm)) {
      assert.ok(FLEET_OPTIONS.has(m[1] ?? ''), `${name}: fleet has no option ${m[1]}`);
      const glob = m[1] === 'Conflicts' ? /^(\S+)@\*\.service$/.exec((m[2] ?? '').trim()) : null;
      if (glob && !name.includes('@')) {
        assert.match(text, new RegExp(`${glob[1]}@\\.service`), `${name} says to submit it as ${glob[1]}@.service`);
      }
    }
  }
  const fleet = section(/^## Running it/);
  assert.match(fleet, /systemd\s+250/, 'the README says what the machines fleet picks must have');
  assert.doesNotMatch(fleet, /All of them work with fleet/);
});

test('the README states the tie rule the code applies: the key name that sorts later counts as newer', () => {
  const entry = (key: string, rev = 7n): MemberEntry => ({
    key,
    memberClass: key.includes('/single/') ? 'single' : 'multiple',
    member: key.slice(key.lastIndexOf('/') + 1),
    modRevision: rev,
  });
  const a = '/lbManager/elb/us-east-1/web/single/i-0aaaaaaaaaaaaaaaa';
  const b = '/lbManager/elb/us-east-1/web/single/i-0bbbbbbbbbbbbbbbb';
  assert.deepEqual(desiredMembers([entry(b), entry(a)]).members, ['i-0bbbbbbbbbbbbbbbb']);
  assert.deepEqual(desiredMembers([entry(a), entry(b)]).members, ['i-0bbbbbbbbbbbbbbbb']);
  const multiple = '/lbManager/elb/us-east-1/web/multiple/i-0cccccccccccccccc';
  assert.equal(desiredMembers([entry(multiple), entry(a)]).activeClass, 'single');
  const semantics = section(/^## Semantics/);
  assert.match(semantics, /one transaction share a revision/);
  assert.match(semantics, /sorts later[^.]*counts as newer/);
  assert.match(semantics, /`i-0bbb…` is the member/);
  assert.match(semantics, /make `single` active/);
});
