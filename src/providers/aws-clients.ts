import { currentDeadline } from './call-deadline.js';
import { addAttemptMiddleware } from './sdk-middleware.js';

/** Static AWS credentials. */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The AWS services lbmanager calls. */
export type AwsService = 'elb' | 'elbv2' | 'route53';

/** Options of {@link AwsClients}. */
export interface AwsClientOptions {
  readonly elbEndpoint?: string;
  readonly elbv2Endpoint?: string;
  readonly route53Endpoint?: string;
  /** Appended to every request's User-Agent: `lbmanager/<version> <identity>`. */
  readonly userAgent: string;
  /** Attempts per call inside the SDK (standard retry); the reconciler's backoff takes over after. @default 3 */
  readonly maxAttempts?: number;
  /** Static credentials; by default the SDK's chain (environment, files, SSO, instance or task role). */
  readonly credentials?: AwsCredentialIdentity;
  /** Time to open a connection before the attempt fails (and is retried). @default 5000 */
  readonly connectTimeoutMs?: number;
  /** Time an attempt may take in all, answer included, before it fails (and is retried). @default 30000 */
  readonly requestTimeoutMs?: number;
}

/** What lbmanager needs of an SDK client (every AWS SDK v3 client has it). */
export interface SdkClient {
  readonly middlewareStack: { remove(name: string): boolean };
  send(command: never, options?: object): Promise<unknown>;
  destroy(): void;
}

/** The settings every client is created with; each provider passes them to its SDK client's constructor. */
export type ClientConfig = ReturnType<AwsClients['configFor']>;

// The SDK clients are not imported here: each provider module imports its own, so a daemon whose tree has no
// target group never loads the ELBv2 client (docs/architecture.md, The flow).

/** The original lbManager's `AWS_ACCESS_KEY` / `AWS_SECRET_KEY`, used only when the SDK's own variables are unset. */
export function resolveLegacyCredentials(env: NodeJS.ProcessEnv): AwsCredentialIdentity | undefined {
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE) return undefined;
  const accessKeyId = env.AWS_ACCESS_KEY;
  const secretAccessKey = env.AWS_SECRET_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey };
}

/** One SDK client per service and region, created on first use, with lbmanager's User-Agent and retry settings. */
export class AwsClients {
  private readonly cache = new Map<string, SdkClient>();
  /** Called once for each new client (the daemon adds metrics and the Route53 rate limit here). */
  onClient: ((service: AwsService, client: SdkClient) => void) | undefined;

  constructor(private readonly options: AwsClientOptions) {}

  /** The settings of a new client of a service and region. */
  configFor(service: AwsService, region: string) {
    const endpoint = {
      elb: this.options.elbEndpoint,
      elbv2: this.options.elbv2Endpoint,
      route53: this.options.route53Endpoint,
    }[service];
    return {
      region,
      // Standard, not adaptive: adaptive mode slows the whole client down after throttling answers, so under
      // steady throttling (B5: 30%) every target waited seconds for each call and hosted zones starved behind load
      // balancers. Per-target backoff already keeps a failing target from hammering AWS.
      retryMode: 'standard' as const,
      maxAttempts: this.options.maxAttempts ?? 3,
      // The SDK sets no timeout by default: a request that is never answered (a half-open connection, a proxy that
      // swallows it) would hold its target until the OS gives up, or forever. Without throwOnRequestTimeout the
      // request timeout only logs a warning.
      requestHandler: {
        connectionTimeout: this.options.connectTimeoutMs ?? 5000,
        requestTimeout: this.options.requestTimeoutMs ?? 30_000,
        throwOnRequestTimeout: true,
      },
      ...(endpoint ? { endpoint } : {}),
      ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
    };
  }

  /** The client of a service and region, made by `make` from lbmanager's settings the first time it is asked for. */
  client<T extends SdkClient>(service: AwsService, region: string, make: (config: ClientConfig) => T): T {
    const key = `${service}/${region}`;
    let c = this.cache.get(key) as T | undefined;
    if (!c) {
      c = make(this.configFor(service, region));
      // The SDK's logger middleware filters every response for sensitive fields even when nothing is logged: a
      // tenth of a full pass's CPU on 50,000 members. lbmanager logs calls itself.
      c.middlewareStack.remove('loggerMiddleware');
      this.cache.set(key, c);
      // Every call made for a reconcile carries its deadline, so the SDK cancels the request when it is reached.
      // The class's send is looked up on each call, not kept, so a test double put on the class later still applies.
      type Send = (this: unknown, command: unknown, options?: object) => Promise<unknown>;
      const proto = Object.getPrototypeOf(c) as { send: Send };
      (c as unknown as { send: Send }).send = (command, options) => {
        const abortSignal = currentDeadline();
        return proto.send.call(c, command, abortSignal ? { abortSignal, ...options } : options);
      };
      // The SDK's customUserAgent rewrites characters such as ':' (host:pid identities); append the exact text instead.
      const ua = this.options.userAgent.replace(/[^\x20-\x7e]/g, '?');
      addAttemptMiddleware(c, 'lbmanagerUserAgent', (next) => (args) => {
        const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers;
        if (headers && !headers['user-agent']?.endsWith(ua)) {
          headers['user-agent'] = headers['user-agent'] ? `${headers['user-agent']} ${ua}` : ua;
        }
        return next(args);
      });
      this.onClient?.(service, c);
    }
    return c;
  }

  /** Closes every client's connections. */
  destroy(): void {
    for (const c of this.cache.values()) c.destroy();
    this.cache.clear();
  }
}
