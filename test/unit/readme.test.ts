import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { flagName } from '../../src/config/flags.js';
import { DAEMON_FLAGS } from '../../src/config/daemon.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

test('the README documents every flag of run and plan', () => {
  const missing = DAEMON_FLAGS.map((f) => `--${flagName(f)}`).filter((f) => !readme.includes(`\`${f}\``));
  assert.deepEqual(missing, []);
});

test('the IAM policy in the README allows exactly the AWS actions the providers call', () => {
  const section = readme.slice(readme.indexOf('## IAM policy'));
  const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(json, 'the README has the policy as JSON');
  const policy = JSON.parse(json) as { Statement: Array<{ Action: string[] }> };
  const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
  const service: Record<string, string> = {
    'client-elastic-load-balancing': 'elasticloadbalancing',
    'client-elastic-load-balancing-v2': 'elasticloadbalancing',
    'client-route-53': 'route53',
  };
  const used = new Set<string>();
  const dir = join(ROOT, 'src', 'providers');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g)) {
      const prefix = service[m[2] ?? ''];
      if (!prefix) continue;
      for (const name of (m[1] ?? '').split(',').map((n) => n.trim())) {
        const command = /^(\w+)Command$/.exec(name)?.[1];
        if (command && new RegExp(`new ${name}\\(`).test(text)) used.add(`${prefix}:${command}`);
      }
    }
  }
  assert.ok(used.size >= 5, `the scan finds the calls: ${[...used].join(', ')}`);
  assert.deepEqual([...allowed].sort(), [...used].sort());
});
