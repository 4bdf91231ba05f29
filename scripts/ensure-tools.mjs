// Makes sure etcd and etcdctl are on this machine: installs Debian's etcd-server and etcd-client when missing and root,
// otherwise stops with a message saying how to install them. Nothing that needs etcd is ever skipped silently.
import { execFileSync, spawnSync } from 'node:child_process';

/** Finds a command on PATH (or in /usr/bin, where Debian puts etcd), or returns undefined. */
export function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  return undefined;
}

/** Returns the paths of etcd and etcdctl, installing them from Debian when that is possible; exits 1 otherwise. */
export function ensureEtcd() {
  let etcd = process.env.LBM_TEST_ETCD_BIN ?? which('etcd');
  let etcdctl = which('etcdctl');
  if (etcd && etcdctl) return { etcd, etcdctl };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = Boolean(which('apt-get'));
  if (isRoot && hasApt) {
    console.error('etcd is missing: installing Debian packages etcd-server and etcd-client (apt-get)...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'etcd-server', 'etcd-client'], { stdio: 'inherit', env });
    etcd = which('etcd');
    etcdctl = which('etcdctl');
    if (etcd && etcdctl) return { etcd, etcdctl };
  }
  console.error(
    [
      'lbmanager needs etcd (server and etcdctl) for this, and it is not installed.',
      'Install it, then run the command again:',
      '  sudo apt-get update && sudo apt-get install -y etcd-server etcd-client     # Debian / Ubuntu',
      'or put the etcd release binaries (https://etcd.io) on PATH, or set LBM_TEST_ETCD_BIN to the etcd binary.',
    ].join('\n'),
  );
  process.exit(1);
}
