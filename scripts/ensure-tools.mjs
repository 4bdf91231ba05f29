// Makes sure the programs the demo and the tests run are on this machine: installs the Debian packages that provide
// them when missing and root, otherwise stops with a message saying how to install them. Nothing that needs one of
// them is ever skipped silently.
import { execFileSync, spawnSync } from 'node:child_process';

/** Finds a command on PATH, or returns undefined. */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  return undefined;
}

/** etcd, server and client: the demo and the tests run a real one. */
export const ETCD_TOOLS = [
  { command: 'etcd', pkg: 'etcd-server', why: 'the etcd server the demo and the tests start' },
  { command: 'etcdctl', pkg: 'etcd-client', why: 'etcdctl, as the unit files and operators use it' },
];

/** Everything the whole test suite runs besides Node. */
export const TEST_TOOLS = [
  ...ETCD_TOOLS,
  { command: 'aws', pkg: 'awscli', why: 'the AWS CLI, a second client of lbmanager fake-aws' },
  { command: 'shellcheck', pkg: 'shellcheck', why: 'checks the shell scripts' },
  { command: 'systemd-analyze', pkg: 'systemd', why: 'verifies the unit files' },
  { command: 'strace', pkg: 'strace', why: "traces Node's system calls against the native unit's seccomp filter" },
  { command: 'chromium', pkg: 'chromium', why: 'the browser that drives the status page in its test and benchmark' },
];

/**
 * Returns the paths of the tools (command -> path), installing missing ones from Debian when that is possible; exits 1
 * with instructions otherwise.
 */
export function ensureTools(tools) {
  const find = (t) => (t.command === 'etcd' ? (process.env.LBM_TEST_ETCD_BIN ?? which('etcd')) : which(t.command));
  let missing = tools.filter((t) => !find(t));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (missing.length > 0 && isRoot && which('apt-get')) {
    const pkgs = [...new Set(missing.map((t) => t.pkg))];
    console.error(`missing ${missing.map((t) => t.command).join(', ')}: installing Debian packages ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
    missing = tools.filter((t) => !find(t));
  }
  if (missing.length > 0) {
    console.error(
      [
        'These programs are needed and not installed:',
        ...missing.map((t) => `  ${t.command} (Debian package ${t.pkg}): ${t.why}`),
        'Install them, then run the command again:',
        `  sudo apt-get update && sudo apt-get install -y ${[...new Set(missing.map((t) => t.pkg))].join(' ')}`,
        'For etcd you may also put the release binaries (https://etcd.io) on PATH, or set LBM_TEST_ETCD_BIN.',
      ].join('\n'),
    );
    process.exit(1);
  }
  return Object.fromEntries(tools.map((t) => [t.command, find(t)]));
}

/** Returns the paths of etcd and etcdctl, installing them when possible; exits 1 otherwise. */
export function ensureEtcd() {
  const found = ensureTools(ETCD_TOOLS);
  return { etcd: found.etcd, etcdctl: found.etcdctl };
}
