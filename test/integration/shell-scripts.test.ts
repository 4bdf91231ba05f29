import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execCommand, parseUnit, serviceValues } from '../helpers/systemd-unit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Tracked files that are shell scripts: *.sh, or a shell shebang. */
function shellScripts(): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  return files.filter(
    (f) =>
      f.endsWith('.sh') ||
      /^#!\s*\/(usr\/)?bin\/(env )?(ba|da)?sh\b/.test(readFileSync(join(ROOT, f), 'utf8').slice(0, 64)),
  );
}

test('the shell scripts pass shellcheck', () => {
  const scripts = shellScripts();
  assert.ok(scripts.includes('.ci/run'), `found: ${scripts.join(', ')}`);
  const r = spawnSync('shellcheck', ['--format=gcc', ...scripts], { cwd: ROOT, encoding: 'utf8' });
  assert.ok(!r.error, `shellcheck could not run: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stdout);
});

test('the shell commands inside the unit files pass shellcheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lbm-unit-sh-'));
  const bodies: string[] = [];
  for (const name of readdirSync(join(ROOT, 'systemd')).filter((n) => n.endsWith('.service'))) {
    const unit = parseUnit(join(ROOT, 'systemd', name));
    for (const key of ['ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecStop', 'ExecReload']) {
      for (const value of serviceValues(unit, key)) {
        // systemd turns `$$` into `$`; the shell sees what is left.
        const { argv } = execCommand(value, {}, { i: '1', t: '/run', d: '/run/credentials/unit.service' });
        if (/\/(ba)?sh$/.test(argv[0] ?? '') && argv[1] === '-c' && argv[2]) {
          const file = join(dir, `${name}-${key}-${bodies.length}.sh`);
          writeFileSync(file, `#!/bin/sh\n${argv[2]}\n`);
          bodies.push(file);
        }
      }
    }
  }
  assert.ok(bodies.length >= 2, 'the webapp units read the instance id with a shell command');
  const r = spawnSync('shellcheck', ['--format=gcc', '--shell=sh', ...bodies], { encoding: 'utf8' });
  assert.ok(!r.error, `shellcheck could not run: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stdout);
});
