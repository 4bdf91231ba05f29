import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? jsFiles(p) : n.endsWith('.js') ? [p] : [];
  });
}

test('the built code imports only production dependencies and Node built-ins (the image installs no others)', () => {
  const files = jsFiles(join(ROOT, 'dist'));
  assert.ok(files.length > 20, 'dist is built');
  const builtins = new Set(builtinModules);
  const used = new Map<string, string>();
  for (const f of files) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /(?:^|\s)(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|import\('([^'.][^']*)'\)/g,
    )) {
      const spec = m[1] ?? m[2] ?? '';
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
      used.set(name, f.slice(ROOT.length));
    }
  }
  assert.ok(used.has('etcd3') && used.has('winston'), 'the scan sees imports');
  for (const [name, file] of used) {
    assert.ok(name in pkg.dependencies, `${file} imports ${name}, which is not a production dependency`);
  }
});

test('the Dockerfile copies what the build needs, runs as a non-root user, and checks /healthz', () => {
  const text = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
  const stages = text.match(/^FROM /gm) ?? [];
  assert.ok(stages.length >= 2, 'multi-stage');
  for (const m of text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const src of (m[1] ?? '').split(/\s+/)) assert.ok(existsSync(join(ROOT, src)), `COPY ${src} exists`);
  }
  assert.match(text, /npm ci --omit=dev/);
  const user = /^USER (\S+)$/m.exec(text)?.[1];
  assert.ok(user && user !== 'root' && user !== '0', 'runs as a non-root user');
  assert.match(text, /^HEALTHCHECK .*\n?.*\/healthz/m);
  const entry = /^ENTRYPOINT \["node", "\/app\/(\S+)"\]$/m.exec(text)?.[1];
  assert.equal(entry, pkg.bin.lbmanager, 'the entry point is the CLI the build produces');
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  assert.ok(
    ignored.includes('node_modules') && ignored.includes('.git'),
    'the context leaves out node_modules and .git',
  );
});
