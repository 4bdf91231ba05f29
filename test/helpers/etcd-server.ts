import { startEtcdServer, type EtcdServer } from '../../scripts/lib/harness.mjs';

export type { EtcdServer };

/** Starts a real etcd for a test (never skipped: fails with a clear message when etcd is not installed). */
export async function startEtcd(options?: Parameters<typeof startEtcdServer>[0]): Promise<EtcdServer> {
  try {
    return await startEtcdServer(options);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/ENOENT|spawn/.test(msg)) {
      throw new Error('etcd is not installed: apt-get install etcd-server etcd-client (or set LBM_TEST_ETCD_BIN)', {
        cause: e,
      });
    }
    throw e;
  }
}

/** Turns on etcd authentication with a `root` user (role root) whose password is `password`. */
export async function enableAuth(etcd: EtcdServer, password: string): Promise<void> {
  await etcd.etcdctl('user', 'add', `root:${password}`);
  await etcd.etcdctl('user', 'grant-role', 'root', 'root');
  await etcd.etcdctl('auth', 'enable');
}
