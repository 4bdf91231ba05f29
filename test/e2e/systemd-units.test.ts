import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { awsEnv, freePort } from '../../scripts/lib/harness.mjs';
import { CREDENTIAL_NAMES } from '../../src/config/credentials.js';
import { CLI } from '../helpers/cli.js';
import { enableAuth, startEtcd } from '../helpers/etcd-server.js';
import { fakeState, startTestFakeAws } from '../helpers/fake-aws.js';
import { startStack, type Stack } from '../helpers/stack.js';
import {
  execCommand,
  expandSpecifiers,
  parseEnvironment,
  parseEnvironmentFile,
  parseLoadCredential,
  parseUnit,
  serviceValues,
  type Specifiers,
  type UnitFile,
} from '../helpers/systemd-unit.js';
import { waitFor } from '../helpers/wait.js';

const SYSTEMD_DIR = fileURLToPath(new URL('../../systemd/', import.meta.url));
const UNITS = ['lbmanager.service', 'lbmanager-native.service', 'webapp@.service', 'webapp-announce@.service'];
const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
const LB_MEMBERS = (s: Stack): Promise<string[]> => s.members('web');

/** Stand-ins for programs this machine lacks: docker (run blocks like a container, the rest succeed) and lbmanager. */
function stubBin(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'docker'), '#!/bin/sh\nif [ "$1" = run ]; then exec sleep 600; fi\nexit 0\n');
  writeFileSync(join(bin, 'lbmanager'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  for (const f of ['docker', 'lbmanager']) chmodSync(join(bin, f), 0o755);
  return bin;
}

/** The binary as written, or the stub of the same name when it is not installed here. */
function resolveBinary(path: string, bin: string): string {
  if (!path.startsWith('/') || existsSync(path)) return path;
  const stub = join(bin, path.slice(path.lastIndexOf('/') + 1));
  if (!existsSync(stub)) throw new Error(`${path} is not installed and there is no stub for it`);
  return stub;
}

/** A fake EC2 instance metadata service speaking IMDSv2 (token first). */
async function startImds(instanceId: string): Promise<{ url: string; server: Server }> {
  const token = 'imds-token-for-test';
  const server = createServer((req, res) => {
    if (
      req.method === 'PUT' &&
      req.url === '/latest/api/token' &&
      req.headers['x-aws-ec2-metadata-token-ttl-seconds']
    ) {
      res.end(token);
    } else if (req.method === 'GET' && req.url === '/latest/meta-data/instance-id') {
      res.statusCode = req.headers['x-aws-ec2-metadata-token'] === token ? 200 : 401;
      res.end(res.statusCode === 200 ? instanceId : '');
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** How a test stands in for the machine: systemd's credential store, and files the unit names at other paths. */
interface Machine {
  /** Stands for /etc/credstore: where LoadCredential= names without a path are found. */
  readonly credstore?: string;
  /** Absolute paths in the unit (EnvironmentFile=, LoadCredential=) -> the test's files. */
  readonly files?: Record<string, string>;
}

/** Runs a unit's commands the way systemd would for instance `1`, with a drop-in's Environment= overrides. */
class UnitRunner {
  readonly runtimeDir: string;
  /** $CREDENTIALS_DIRECTORY, when the unit loads credentials. */
  readonly credentialsDir: string | undefined;
  private readonly spec: Specifiers;
  private readonly unit: UnitFile;

  constructor(
    name: string,
    private readonly dir: string,
    private readonly overrides: Record<string, string>,
    private readonly machine: Machine = {},
  ) {
    this.unit = parseUnit(join(SYSTEMD_DIR, name));
    this.spec = { i: '1', t: join(dir, 'run'), d: join(dir, 'run', 'credentials', name.replace('@', '@1')) };
    this.runtimeDir = join(
      this.spec.t,
      expandSpecifiers(serviceValues(this.unit, 'RuntimeDirectory')[0] ?? '', this.spec),
    );
    mkdirSync(this.runtimeDir, { recursive: true });
    this.credentialsDir = this.loadCredentials();
  }

  /** LoadCredential= as systemd does it: an absolute path must exist; a credstore name that is missing is skipped. */
  private loadCredentials(): string | undefined {
    const entries = this.values('LoadCredential').map(parseLoadCredential);
    if (entries.length === 0) return undefined;
    mkdirSync(this.spec.d, { recursive: true });
    for (const { id, path } of entries) {
      const source = path.startsWith('/')
        ? (this.machine.files?.[path] ?? path)
        : this.machine.credstore && join(this.machine.credstore, path);
      if (!source || (!path.startsWith('/') && !existsSync(source))) continue;
      writeFileSync(join(this.spec.d, id), readFileSync(source), { mode: 0o400 });
    }
    return this.spec.d;
  }

  values(key: string): string[] {
    return serviceValues(this.unit, key);
  }

  /** Environment= plus the EnvironmentFile= as it is now (it is read before each command), plus the overrides. */
  env(): Record<string, string> {
    const env = parseEnvironment(this.values('Environment'));
    for (const f of this.values('EnvironmentFile')) {
      const written = expandSpecifiers(f.replace(/^-/, ''), this.spec);
      const path = this.machine.files?.[written] ?? written;
      if (existsSync(path)) Object.assign(env, parseEnvironmentFile(readFileSync(path, 'utf8')));
      else if (!f.startsWith('-')) throw new Error(`EnvironmentFile ${path} is missing`);
    }
    return { ...env, ...this.overrides };
  }

  argv(value: string): { argv: string[]; ignoreFailure: boolean } {
    const cmd = execCommand(value, this.env(), this.spec);
    const bin = join(this.dir, 'bin');
    return {
      argv: cmd.argv.map((a, i) => (i === 0 || cmd.argv[i - 1] === '--' ? resolveBinary(a, bin) : a)),
      ignoreFailure: cmd.ignoreFailure,
    };
  }

  private processEnv(): NodeJS.ProcessEnv {
    return {
      PATH: `${join(this.dir, 'bin')}:${process.env.PATH}`,
      ...this.env(),
      RUNTIME_DIRECTORY: this.runtimeDir,
      ...(this.credentialsDir ? { CREDENTIALS_DIRECTORY: this.credentialsDir } : {}),
    };
  }

  /** Runs every command of an Exec*= key in order, as systemd does; a failure without `-` fails the test. */
  async runAll(key: string): Promise<void> {
    for (const value of this.values(key)) {
      const { argv, ignoreFailure } = this.argv(value);
      const [file, ...args] = argv;
      // Not spawnSync: the fake metadata service answers from this process.
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(file ?? '', args, { env: this.processEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('error', (e) => resolve({ code: null, stderr: e.message }));
        p.on('exit', (code) => resolve({ code, stderr }));
      });
      if (!ignoreFailure) assert.equal(r.code, 0, `${key}=${value}\nfailed: ${r.stderr}`);
    }
  }

  /** Starts the ExecStart= command (the main process); its output is kept for failure messages. */
  start(): ReturnType<typeof spawn> & { output: () => string } {
    const value = this.values('ExecStart')[0] ?? '';
    const [file, ...args] = this.argv(value).argv;
    const p = spawn(file ?? '', args, { env: this.processEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    return Object.assign(p, { output: () => out });
  }
}

describe('systemd units', () => {
  test('every unit passes systemd-analyze verify (binaries not installed here replaced by stubs)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbm-units-'));
    const bin = stubBin(dir);
    const copies: string[] = [];
    for (const name of UNITS) {
      let text = readFileSync(join(SYSTEMD_DIR, name), 'utf8');
      for (const m of text.matchAll(/^Exec\w+=[-@:+!]*(\/\S+)/gm)) {
        const path = m[1] ?? '';
        if (!existsSync(path)) text = text.split(path).join(resolveBinary(path, bin));
      }
      writeFileSync(join(dir, name), text);
      copies.push(join(dir, name));
    }
    const installed = ['/etc/systemd/system', '/lib/systemd/system', '/usr/lib/systemd/system'].some((d) =>
      existsSync(join(d, 'docker.service')),
    );
    if (!installed)
      writeFileSync(join(dir, 'docker.service'), '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n');
    const r = spawnSync('systemd-analyze', ['verify', ...copies], { cwd: dir, encoding: 'utf8' });
    assert.ok(!r.error, `systemd-analyze could not run: ${r.error?.message}`);
    const ours = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter((l) => UNITS.some((u) => l.includes(u.replace('@.service', '@'))));
    assert.deepEqual(ours, [], 'no warning about our units');
    assert.equal(r.status, 0, r.stderr);
  });

  test("the README gives each unit's systemd-analyze security exposure as systemd computes it", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    for (const name of UNITS) {
      const r = spawnSync('systemd-analyze', ['security', '--offline=yes', name], {
        cwd: SYSTEMD_DIR,
        encoding: 'utf8',
      });
      const level = /Overall exposure level for \S+: (\d+\.\d)/.exec(`${r.stdout}${r.stderr}`)?.[1];
      assert.ok(level, `systemd-analyze security rated ${name}: ${r.stderr}`);
      const shown = new RegExp(`^\\| \`${name.replace('.', '\\.')}\`\\s*\\| (\\d+\\.\\d) `, 'm').exec(readme)?.[1];
      assert.equal(shown, level, `README's exposure of ${name}`);
    }
  });

  test('the daemon units keep credentials in an environment file; the native one is hardened', () => {
    const container = parseUnit(join(SYSTEMD_DIR, 'lbmanager.service'));
    const run = serviceValues(container, 'ExecStart').join(' ');
    assert.match(run, /--env-file \/etc\/lbmanager\/lbmanager\.env/);
    const native = parseUnit(join(SYSTEMD_DIR, 'lbmanager-native.service'));
    assert.deepEqual(serviceValues(native, 'EnvironmentFile'), ['/etc/lbmanager/lbmanager.env']);
    for (const [key, value] of [
      ['DynamicUser', 'yes'],
      ['NoNewPrivileges', 'yes'],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['CapabilityBoundingSet', ''],
    ] as const) {
      assert.deepEqual(serviceValues(native, key), [value], key);
    }
    for (const name of UNITS) {
      const text = readFileSync(join(SYSTEMD_DIR, name), 'utf8');
      assert.doesNotMatch(
        text,
        /^[^#\n]*(AWS_SECRET|SECRET_ACCESS_KEY|AWS_SECRET_KEY)/m,
        `${name} has no inline secret`,
      );
    }
  });

  test('webapp@.service: its hooks, run as written, register the instance and deregister it', async () => {
    const s = await startStack({ lbs: ['web'] });
    const imds = await startImds(INSTANCE_ID);
    try {
      await s.daemon();
      const dir = mkdtempSync(join(tmpdir(), 'lbm-webapp-'));
      stubBin(dir);
      const unit = new UnitRunner('webapp@.service', dir, { ETCDCTL_ENDPOINTS: s.etcd.endpoint, IMDS: imds.url });
      await unit.runAll('ExecStartPre');
      assert.equal(unit.env().INSTANCE_ID, INSTANCE_ID, 'the instance id came from the metadata service');
      await unit.runAll('ExecStartPost');
      await waitFor('registered', async () => (await LB_MEMBERS(s)).includes(INSTANCE_ID));
      await unit.runAll('ExecStop');
      await waitFor('deregistered', async () => (await LB_MEMBERS(s)).length === 0);
    } finally {
      imds.server.close();
      await s.stop();
    }
  });

  test('webapp-announce@.service: the member is held while the command runs and withdrawn on SIGTERM', async () => {
    const s = await startStack({ lbs: ['web'] });
    const imds = await startImds(INSTANCE_ID);
    try {
      await s.daemon();
      const dir = mkdtempSync(join(tmpdir(), 'lbm-announce-unit-'));
      stubBin(dir);
      const unit = new UnitRunner('webapp-announce@.service', dir, {
        LBM_ETCD_ENDPOINTS: s.etcd.endpoint,
        IMDS: imds.url,
      });
      assert.deepEqual(unit.values('KillMode'), ['mixed'], 'SIGTERM goes to lbmanager announce only');
      await unit.runAll('ExecStartPre');
      const main = unit.start();
      const exited = new Promise<number | null>((resolve) => main.on('exit', (code) => resolve(code)));
      await waitFor('registered', async () => (await LB_MEMBERS(s)).includes(INSTANCE_ID));
      main.kill('SIGTERM');
      assert.equal(await exited, 0, 'a stop asked for is a clean exit');
      await waitFor('deregistered', async () => (await LB_MEMBERS(s)).length === 0);
    } finally {
      imds.server.close();
      await s.stop();
    }
  });

  test('secrets reach lbmanager as systemd credentials it reads, never as variables', () => {
    for (const name of ['lbmanager.service', 'lbmanager-native.service', 'webapp-announce@.service']) {
      const ids = serviceValues(parseUnit(join(SYSTEMD_DIR, name)), 'LoadCredential').map((v) =>
        parseLoadCredential(v),
      );
      for (const { id, path } of ids) {
        assert.ok((CREDENTIAL_NAMES as readonly string[]).includes(id), `${name}: lbmanager reads credential ${id}`);
        assert.equal(path, `lbmanager.${id}`, `${name}: ${id} comes from the credential store, optional`);
      }
      const wanted =
        name === 'webapp-announce@.service' ? CREDENTIAL_NAMES.filter((n) => n !== 'http-token') : CREDENTIAL_NAMES;
      assert.deepEqual(ids.map((c) => c.id).sort(), [...wanted].sort(), name);
    }
    const example = readFileSync(join(SYSTEMD_DIR, 'lbmanager.env.example'), 'utf8');
    assert.doesNotMatch(example, /^#?\s*LBM_(ETCD_PASSWORD|HTTP_TOKEN)(_FILE)?=/m, 'no secret in the environment file');
    assert.match(example, /lbmanager\.etcd-password/, 'the environment file points at the credential files');
  });

  test('lbmanager-native.service runs as written: settings from the environment file, password and token from credentials', async () => {
    const password = 'etcd-root-password';
    const token = 'admin-token-from-credential';
    const etcd = await startEtcd();
    await enableAuth(etcd, password);
    const fake = await startTestFakeAws();
    fake.state.load({ elb: { 'us-east-1': { web: { instances: [] } } } });
    const client = new Etcd3({ hosts: [etcd.endpoint], auth: { username: 'root', password } });
    const dir = mkdtempSync(join(tmpdir(), 'lbm-native-unit-'));
    stubBin(dir);
    const credstore = join(dir, 'credstore');
    mkdirSync(credstore, { mode: 0o700 });
    writeFileSync(join(credstore, 'lbmanager.etcd-password'), `${password}\n`, { mode: 0o600 });
    writeFileSync(join(credstore, 'lbmanager.http-token'), `${token}\n`, { mode: 0o600 });
    const admin = `127.0.0.1:${await freePort()}`;
    const unit = new UnitRunner(
      'lbmanager-native.service',
      dir,
      {
        LBM_ETCD_ENDPOINTS: etcd.endpoint,
        LBM_ETCD_USERNAME: 'root',
        LBM_HTTP_LISTEN: admin,
        LBM_ELB_ENDPOINT: fake.url,
        LBM_ELBV2_ENDPOINT: fake.url,
        LBM_ROUTE53_ENDPOINT: fake.url,
        LBM_LOG_FORMAT: 'json',
        ...awsEnv('lbmtest'),
      },
      { credstore, files: { '/etc/lbmanager/lbmanager.env': join(SYSTEMD_DIR, 'lbmanager.env.example') } },
    );
    const main = unit.start();
    const exited = new Promise<number | null>((resolve) => main.on('exit', (code) => resolve(code)));
    try {
      await waitFor('ready', async () => (await fetch(`http://${admin}/readyz`)).ok, 30_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${main.output()}`);
      });
      await client.put(`/lbManager/elb/us-east-1/web/multiple/${INSTANCE_ID}`).value('');
      await waitFor('registered', async () =>
        (await fakeState(fake.url)).elb['us-east-1']?.web?.instances.includes(INSTANCE_ID),
      );
      assert.equal((await fetch(`http://${admin}/resync`, { method: 'POST' })).status, 401, 'the token is required');
      const authorised = await fetch(`http://${admin}/resync`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.ok(authorised.ok, `the token from the credential is accepted: ${authorised.status}`);
      main.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.doesNotMatch(main.output(), new RegExp(`${password}|${token}`), 'no secret in the log');
    } finally {
      main.kill('SIGKILL');
      client.close();
      await fake.close();
      await etcd.stop();
    }
  });

  test('lbmanager.service hands the credentials to the container as files its user can read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lbm-container-unit-'));
    const bin = stubBin(dir);
    const isRoot = process.getuid?.() === 0;
    // Not root here: record chown instead of failing on it (as root the real one runs).
    if (!isRoot) {
      writeFileSync(join(bin, 'chown'), `#!/bin/sh\necho "$@" > "${join(dir, 'chown-args')}"\n`);
      chmodSync(join(bin, 'chown'), 0o755);
    }
    const credstore = join(dir, 'credstore');
    mkdirSync(credstore);
    writeFileSync(join(credstore, 'lbmanager.http-token'), 'container-token\n');
    const unit = new UnitRunner('lbmanager.service', dir, {}, { credstore });
    await unit.runAll('ExecStartPre');
    const copies = join(unit.runtimeDir, 'credentials');
    assert.equal(readFileSync(join(copies, 'http-token'), 'utf8'), 'container-token\n');
    assert.equal(existsSync(join(copies, 'etcd-password')), false, 'a credential not in the store is not there');
    if (isRoot) assert.equal(statSync(join(copies, 'http-token')).uid, 1000, "owned by the image's user node");
    else assert.equal(readFileSync(join(dir, 'chown-args'), 'utf8').trim(), `-R 1000:1000 ${copies}`);
    const argv = unit.argv(unit.values('ExecStart')[0] ?? '').argv;
    assert.ok(argv.includes(`type=bind,source=${copies},target=/run/credentials,readonly`), argv.join(' '));
    assert.ok(argv.includes('CREDENTIALS_DIRECTORY=/run/credentials'), argv.join(' '));
  });
});
