import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';

/** The built CLI. */
export declare const CLI: string;
/** The Node flags the built CLI's `#!/usr/bin/env -S node …` line gives it: the daemon as installed runs with them. */
export declare function shippedNodeFlags(): string[];
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
  /** Kept on stop (a benchmark reuses it); a temporary one otherwise. */
  dataDir?: string;
  /** Serve clients over TLS, requiring a client certificate signed by `ca` (file paths). */
  tls?: { ca: string; cert: string; key: string; client: { cert: string; key: string } };
}): Promise<EtcdServer>;

/** Dummy AWS credentials and region for the fake endpoint. */
export declare function awsEnv(name?: string): {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
};
/** The flags pointing a command (`run`, `plan`) at a local etcd and one AWS endpoint for all three APIs. */
export declare function endpointArgs(options: { etcdEndpoint: string; awsUrl: string }): string[];
/** The arguments of `lbmanager run` against a local etcd and one AWS endpoint for all three APIs. */
export declare function runArgs(options: {
  etcdEndpoint: string;
  awsUrl: string;
  adminListen?: string;
  identity?: string;
}): string[];
/** Polls `check` until it returns something truthy; throws after `timeoutMs`. */
export declare function poll<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs?: number,
  intervalMs?: number,
): Promise<NonNullable<T>>;
/** Whether a GET of `url` answers 2xx now. */
export declare function answersOk(url: string): Promise<boolean>;
/** `lbmanager fake-aws` started as its own process. */
export interface FakeAwsProcess extends StartedProcess {
  readonly url: string;
}
/** Starts `lbmanager fake-aws` as its own process on a free port. */
export declare function startFakeAwsProcess(options?: {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}): Promise<FakeAwsProcess>;
/** The fake AWS endpoint's control API (`/_fake/*`); answers are untyped JSON. */
export declare function fakeControl(url: string): {
  state(): Promise<unknown>;
  calls(since?: number): Promise<unknown>;
  reset(state: unknown): Promise<void>;
  setFaults(faults: Record<string, unknown>): Promise<void>;
};
/** The etcd client methods the key writers use. */
interface TxnClient {
  kv: { txn(req: unknown): Promise<unknown> };
}
/** Puts keys in transactions of `batch` puts. */
export declare function putKeys(
  client: TxnClient,
  keys: readonly string[],
  value?: string,
  batch?: number,
): Promise<void>;
/** Deletes keys in transactions of `batch`. */
export declare function deleteKeys(client: TxnClient, keys: readonly string[], batch?: number): Promise<void>;
/** `i-` and 17 hex digits from a number. */
export declare function instanceId(n: number): string;

/** Where Debian's chromium package puts the browser. */
export declare const CHROMIUM: string;
/** Launches Debian's chromium, headless, through playwright-core; throws saying how to install it when missing. */
export declare function launchChromium(): Promise<Browser>;
