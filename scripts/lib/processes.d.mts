import type { ChildProcess } from 'node:child_process';

/** The built CLI. */
export declare const CLI: string;
/** A free TCP port on loopback. */
export declare function freePort(): Promise<number>;
/** Resolves after `ms`. */
export declare function sleep(ms: number): Promise<void>;

/** A process started by {@link startProcess}. */
export interface StartedProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | string | null>;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(signal?: NodeJS.Signals): Promise<number | string | null>;
}
/** Starts a process, remembering its output; killed when this process exits. */
export declare function startProcess(
  cmd: string,
  args: readonly string[],
  options?: { env?: NodeJS.ProcessEnv; onOutput?: (chunk: string) => void },
): StartedProcess;

/** A real etcd server on loopback. */
export interface EtcdServer {
  readonly endpoint: string;
  readonly clientPort: number;
  readonly dataDir: string;
  readonly pid: number | undefined;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  etcdctl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}
/** Starts etcd on free loopback ports with a fresh data dir; resolves once it answers. */
export declare function startEtcdServer(options?: {
  etcdBin?: string;
  etcdctlBin?: string;
  extraArgs?: string[];
}): Promise<EtcdServer>;
