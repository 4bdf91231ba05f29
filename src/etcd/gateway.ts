import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { EtcdSettings } from './client.js';

// A small client of etcd's JSON gateway (https://etcd.io/docs/v3.4/dev-guide/api_grpc_gateway/: the gRPC API as JSON
// over HTTP on the client port, on by default) for `lbmanager announce`. Every service unit's start runs announce, and
// the etcd3 library spends 150-300 ms loading gRPC and parsing its protobuf definitions before the first request
// (bench B7); these few calls need none of that. The daemon keeps etcd3 for its watch and election.

/** An error etcd answered (its gRPC code and message), or a request that got no answer. */
export class GatewayError extends Error {
  constructor(
    message: string,
    /** gRPC status code (5 NOT_FOUND, 16 UNAUTHENTICATED…); undefined when etcd did not answer. */
    readonly code?: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

const GRPC_UNAUTHENTICATED = 16;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The lease calls and puts `lbmanager announce` makes, over etcd's JSON gateway. */
export class EtcdGateway {
  private readonly tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined;
  private token: string | undefined;
  /** The endpoint that answered last: tried first. */
  private current = 0;
  // Kept-alive connections: the keepalive every few seconds reuses one instead of opening one each time.
  private readonly http = new HttpAgent({ keepAlive: true });
  // node:https (and TLS with it) loads only for an https endpoint: it costs a start about 30 ms.
  private https: Promise<{ agent: HttpAgent; request: typeof httpRequest }> | undefined;

  constructor(
    private readonly settings: EtcdSettings,
    private readonly timeoutMs = 5000,
  ) {
    this.tls =
      settings.ca || settings.cert || settings.key
        ? {
            ...(settings.ca ? { ca: readFileSync(settings.ca) } : {}),
            ...(settings.cert ? { cert: readFileSync(settings.cert) } : {}),
            ...(settings.key ? { key: readFileSync(settings.key) } : {}),
          }
        : undefined;
  }

  /** Grants a lease of `ttl` seconds; returns its id. */
  async leaseGrant(ttl: number): Promise<string> {
    const res = await this.call<{ ID?: string }>('/v3/lease/grant', { TTL: ttl });
    if (!res.ID) throw new GatewayError('etcd granted no lease id');
    return res.ID;
  }

  /** Renews a lease; returns the seconds it has left, 0 when it no longer exists (expired or revoked). */
  async leaseKeepAlive(id: string): Promise<number> {
    const res = await this.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: id });
    return Number(res.result?.TTL ?? 0);
  }

  /** Revokes a lease, deleting the keys attached to it. */
  async leaseRevoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', { ID: id });
  }

  /** Puts a key, attached to a lease when one is given. */
  async put(key: string, value: string, lease?: string): Promise<void> {
    await this.call('/v3/kv/put', { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.http.destroy();
    void this.https?.then((h) => h.agent.destroy());
  }

  private async call<T>(path: string, body: object): Promise<T> {
    if (this.settings.username && this.settings.password && this.token === undefined) await this.authenticate();
    try {
      return await this.post<T>(path, body, this.token);
    } catch (e) {
      // A simple token expires after --auth-token-ttl without use (5 minutes by default): authenticate again, once.
      if (e instanceof GatewayError && e.code === GRPC_UNAUTHENTICATED && this.settings.username) {
        await this.authenticate();
        return this.post<T>(path, body, this.token);
      }
      throw e;
    }
  }

  private async authenticate(): Promise<void> {
    const res = await this.post<{ token?: string }>('/v3/auth/authenticate', {
      name: this.settings.username,
      password: this.settings.password,
    });
    if (!res.token) throw new GatewayError('etcd returned no auth token');
    this.token = res.token;
  }

  /** POSTs to each endpoint in turn, starting with the one that answered last, until one answers. */
  private async post<T>(path: string, body: object, token?: string): Promise<T> {
    const endpoints = this.settings.endpoints;
    let lastError: unknown;
    for (let i = 0; i < endpoints.length; i++) {
      const index = (this.current + i) % endpoints.length;
      try {
        const res = await this.postTo<T>(endpoints[index] ?? '', path, body, token);
        this.current = index;
        return res;
      } catch (e) {
        // etcd answered: another endpoint would answer the same.
        if (e instanceof GatewayError && e.code !== undefined) throw e;
        lastError = e;
      }
    }
    throw lastError instanceof Error ? lastError : new GatewayError(String(lastError));
  }

  private async postTo<T>(endpoint: string, path: string, body: object, token?: string): Promise<T> {
    const url = new URL(path, endpoint);
    const payload = JSON.stringify(body);
    let transport = { agent: this.http, request: httpRequest };
    if (url.protocol === 'https:') {
      this.https ??= import('node:https').then((https) => ({
        agent: new https.Agent({ keepAlive: true, ...(this.tls ?? {}) }),
        request: https.request,
      }));
      transport = await this.https;
    }
    const options: RequestOptions = {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        ...(token ? { authorization: token } : {}),
      },
      timeout: this.timeoutMs,
      agent: transport.agent,
    };
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, options, (res: IncomingMessage) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          let json: { error?: string; message?: string; code?: number } & Record<string, unknown>;
          try {
            json = JSON.parse(text) as typeof json;
          } catch {
            reject(new GatewayError(`${url.host} answered HTTP ${res.statusCode ?? '?'} without JSON`));
            return;
          }
          if (json.error !== undefined || (res.statusCode ?? 500) >= 400) {
            reject(new GatewayError(json.message ?? json.error ?? `HTTP ${res.statusCode ?? '?'}`, json.code ?? 2));
            return;
          }
          resolve(json as T);
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`etcd at ${url.host} did not answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
