import { spawn, type ChildProcess } from 'node:child_process';
import { awsEnv, CLI } from '../../scripts/lib/harness.mjs';

/** The built CLI (`npm run build` first; the test runner does it). */
export { CLI };

/** A running `lbmanager` process. */
export interface CliProcess {
  readonly proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** What was written to stdout only. */
  stdout(): string;
  /** Resolves when a line matching `pattern` has been written (or rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the process ends by itself. */
  exited: Promise<number | null>;
}

// Children still running when the test process exits are killed (one listener for all of them).
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) if (p.exitCode === null) p.kill('SIGKILL');
});

/** Starts `node dist/cli.js ...args` with dummy AWS credentials. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      ...awsEnv('lbmtest'),
      LBM_LOG_FORMAT: 'json',
      LBM_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString('utf8');
    for (const l of listeners) l();
  };
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  proc.stdout?.on('data', onData);
  proc.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  return {
    proc,
    exited,
    output: () => out,
    stdout: () => stdout,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(out);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${String(pattern)}; output so far:\n${out.slice(-4000)}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited before ${String(pattern)}; output:\n${out.slice(-4000)}`));
          }
        });
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
}
