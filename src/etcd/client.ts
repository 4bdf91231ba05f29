import { readFileSync } from 'node:fs';
import { ConstantBackoff, handleWhen, noop, retry, type IBackoff } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';

/** How to reach etcd: endpoints, TLS files and credentials. */
export interface EtcdSettings {
  readonly endpoints: string[];
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly username?: string;
  readonly password?: string;
}

/** Deadline of unary etcd calls: a hung call must not block startup or a resync forever. */
export const ETCD_CALL_TIMEOUT_MS = 5000;

/**
 * Creates the etcd client: TLS and auth as configured, gRPC keepalive (a half-open connection would otherwise stall a
 * watch silently), a deadline on unary calls, and no circuit breaker: the library's default keeps failing fast for
 * 5 s after etcd comes back, while lbmanager's own loops retry with backoff.
 */
export function createEtcdClient(settings: EtcdSettings): Etcd3 {
  const options: IOptions = {
    hosts: settings.endpoints,
    grpcOptions: {
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      // A snapshot page of 200,000 keys is tens of MB, past gRPC's default 4 MiB; the reader bounds pages by keys.
      'grpc.max_receive_message_length': -1,
    },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + ETCD_CALL_TIMEOUT_MS }),
    faultHandling: {
      host: () => noop,
      // One quick retry on another endpoint; longer outages are ridden out by the callers' own backoff.
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 1, backoff: new ConstantBackoff(100) }),
      // etcd3 calls .next() on this to get its first delay, so it wants the factory, typed as a backoff.
      watchBackoff: new ConstantBackoff(500) as unknown as IBackoff<unknown>,
    },
  };
  if (settings.ca || settings.cert || settings.key) {
    options.credentials = {
      rootCertificate: settings.ca ? readFileSync(settings.ca) : Buffer.alloc(0),
      ...(settings.cert ? { certChain: readFileSync(settings.cert) } : {}),
      ...(settings.key ? { privateKey: readFileSync(settings.key) } : {}),
    };
  }
  if (settings.username && settings.password) {
    options.auth = { username: settings.username, password: settings.password };
  }
  return new Etcd3(options);
}
