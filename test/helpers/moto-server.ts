import { spawnSync } from 'node:child_process';
import { freePort, startProcess } from '../../scripts/lib/harness.mjs';

/** A running moto_server. */
export interface MotoServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** How to get moto when it is missing: PyPI's package, as its own documentation gives it. */
export const MOTO_HINT =
  "moto_server is not installed: pip install 'moto[server]' (moto 5.x), then run the tests again";

/**
 * Starts moto_server (an AWS mock the project did not write) on a free loopback port and waits until it answers.
 * Fails, never skips, when it is not installed.
 */
export async function startMoto(): Promise<MotoServer> {
  const bin = process.env.LBM_TEST_MOTO_BIN ?? 'moto_server';
  if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) throw new Error(MOTO_HINT);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const p = startProcess(bin, ['-H', '127.0.0.1', '-p', String(port)]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/moto-api/`)).status < 500) break;
    } catch {
      // not up yet
    }
    if (p.proc.exitCode !== null) throw new Error(`moto_server exited:\n${p.output()}`);
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url}:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: async () => void (await p.stop('SIGTERM')) };
}
