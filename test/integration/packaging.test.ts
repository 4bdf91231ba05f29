import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { isLoopbackHost } from '../../src/util/ip.js';
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
  assert.match(text, /^HEALTHCHECK /m, 'a health check (what it asks is tested below)');
  const entry = /^ENTRYPOINT \["node", (.*)"\/app\/(\S+)"\]$/m.exec(text);
  assert.equal(entry?.[2], pkg.bin.lbmanager, 'the entry point is the CLI the build produces');
  // The image runs the daemon with the Node flags the CLI's #! line gives an installed `lbmanager` (and the bench).
  const flags = [...(entry?.[1] ?? '').matchAll(/"([^"]+)", /g)].map((m) => m[1] ?? '');
  const shebang = readFileSync(join(ROOT, 'src', 'cli.ts'), 'utf8').split('\n', 1)[0];
  assert.equal(shebang, `#!/usr/bin/env -S node ${flags.join(' ')}`.trimEnd(), 'the same Node flags as the #! line');
  assert.ok(flags.length > 0, 'the memory flag is there');
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
  assert.ok(
    ignored.includes('node_modules') && ignored.includes('.git'),
    'the context leaves out node_modules and .git',
  );
});

test('the installed CLI runs through its #! line, with its Node flags, on the Node first in PATH', async () => {
  // npm links `lbmanager` to dist/cli.js; systemd's ExecStart=/usr/bin/lbmanager runs it through that line.
  const p = spawn(join(ROOT, pkg.bin.lbmanager ?? 'dist/cli.js'), ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => p.on('exit', resolve));
  assert.equal(code, 0, out);
  assert.match(out, /node v\d+/);
});

test('the image runs on the Node the project pins and tests with: slim, the exact version, by digest', () => {
  const text = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
  const args = new Map([...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
  const bases = [...text.matchAll(/^FROM (\S+)/gm)].map((m) =>
    (m[1] ?? '').replace(/^\$\{(\w+)\}$/, (_x, name: string) => args.get(name) ?? ''),
  );
  assert.ok(bases.length >= 2, 'every stage found');
  const pinned = (pkg.devDependencies.node ?? '').replaceAll('.', '\\.');
  for (const base of bases) {
    assert.match(base, new RegExp(`^node:${pinned}-bookworm-slim@sha256:[0-9a-f]{64}$`), `FROM ${base}`);
  }
});

/** The image's HEALTHCHECK command as argv (exec form), and the image's own environment. */
function imageHealthcheck(): { argv: string[]; env: Record<string, string> } {
  const text = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const cmd = /^HEALTHCHECK .*?CMD (\[.*\])\s*$/m.exec(text)?.[1];
  assert.ok(cmd, 'HEALTHCHECK in exec form');
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^ENV (.+)$/gm)) {
    for (const kv of (m[1] ?? '').split(/\s+/)) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
  }
  return { argv: JSON.parse(cmd) as string[], env };
}

/** Runs the health check as the image would, with the repository standing in for /app. */
function runHealthcheck(listen: string | undefined): Promise<number | null> {
  const { argv, env } = imageHealthcheck();
  const [file, ...args] = argv.map((a) => a.replace(/^\/app\//, `${ROOT}/`));
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...env };
  if (listen === undefined) delete childEnv.LBM_HTTP_LISTEN;
  else childEnv.LBM_HTTP_LISTEN = listen;
  return new Promise((resolve) => {
    const p = spawn(file === 'node' ? process.execPath : (file ?? ''), args, { env: childEnv, stdio: 'ignore' });
    p.on('exit', (code) => resolve(code));
  });
}

/** A stand-in /healthz on host, answering `status`. */
async function healthz(host: string, status = 200): Promise<{ port: number; asked: () => number; server: Server }> {
  let asked = 0;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') asked++;
    res.statusCode = req.url === '/healthz' ? status : 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return { port: (server.address() as AddressInfo).port, asked: () => asked, server };
}

test('the image listens on loopback by default (it runs with --network host) and says a token is needed elsewhere', () => {
  const { env } = imageHealthcheck();
  const listen = env.LBM_HTTP_LISTEN ?? '127.0.0.1:9180';
  const host = /^(?:\[([^\]]+)\]|([^:]*)):\d+$/.exec(listen);
  assert.ok(isLoopbackHost(host?.[1] ?? host?.[2] ?? ''), `LBM_HTTP_LISTEN=${listen} is loopback`);
  const readme = readFileSync(join(ROOT, 'docker', 'README.md'), 'utf8');
  assert.match(readme, /LBM_HTTP_LISTEN=0\.0\.0\.0:9180[^\n]*\n?[^\n]*token/, 'docker/README says a token is needed');
});

test("the image's health check asks /healthz where LBM_HTTP_LISTEN says, wildcards on loopback", async () => {
  const { argv } = imageHealthcheck();
  assert.doesNotMatch(argv.join(' '), /9180/, 'no address hard-coded in the HEALTHCHECK line');
  const v4 = await healthz('127.0.0.1');
  const v6 = await healthz('::1');
  const failing = await healthz('127.0.0.1', 503);
  try {
    assert.equal(await runHealthcheck(`127.0.0.1:${v4.port}`), 0);
    assert.equal(await runHealthcheck(`0.0.0.0:${v4.port}`), 0, '0.0.0.0 is asked on 127.0.0.1');
    assert.equal(await runHealthcheck(`:${v4.port}`), 0, 'an empty host is every address');
    assert.equal(await runHealthcheck(`[::1]:${v6.port}`), 0, 'IPv6 in brackets');
    assert.equal(await runHealthcheck(`[::]:${v6.port}`), 0, ':: is asked on ::1');
    assert.ok(v4.asked() >= 3 && v6.asked() >= 2, 'each check asked /healthz');
    assert.equal(await runHealthcheck(`127.0.0.1:${failing.port}`), 1, 'a 503 is unhealthy');
    assert.equal(await runHealthcheck('off'), 0, 'with the admin endpoint off there is nothing to ask');
    const closed = v4.port;
    await new Promise((r) => v4.server.close(r));
    assert.equal(await runHealthcheck(`127.0.0.1:${closed}`), 1, 'nothing listening is unhealthy');
  } finally {
    for (const s of [v4, v6, failing]) s.server.close();
  }
});
