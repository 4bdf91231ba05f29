import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Reconciler } from '../reconcile/reconciler.js';
import { parseListen } from '../util/listen.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from './metrics.js';

/** What the admin endpoint reads from and asks of the daemon. */
export interface AdminSources {
  readonly reconciler: Reconciler;
  readonly metrics: Metrics;
  /** True while this replica may write (leader, or election off). */
  readonly isLeader: () => boolean;
  /** Why this replica cannot take part in the leader election, or undefined. */
  readonly electionProblem?: () => string | undefined;
  /** Unix time (ms) of the last completed full pass over every target, or undefined. */
  readonly lastFullSync: () => number | undefined;
  /** Seconds between full passes; 0 when periodic resync is off. */
  readonly resyncInterval: number;
  /** Re-read the tree and reconcile everything now; with `confirm`, the held removals go through. */
  readonly resync: (confirm: boolean) => void;
  readonly now?: () => number;
}

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  /** `host:port`, e.g. `127.0.0.1:9180`; port 0 picks a free one. */
  readonly listen: string;
  /** POST requests need `Authorization: Bearer <token>`; without a token they are refused. */
  readonly token?: string;
  readonly logger: Logger;
}

/** A running admin endpoint. */
export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Why the daemon is not ready, or undefined when it is (README, Admin endpoint). */
export function notReadyReason(s: AdminSources): string | undefined {
  const r = s.reconciler;
  if (!r.synced) return 'the tree has not been read completely yet (or the etcd watch is being re-established)';
  // A standby that cannot campaign would never take over: it is not the warm spare it looks like.
  const election = s.electionProblem?.();
  if (election !== undefined) return election;
  if (!s.isLeader()) return undefined;
  if (!r.firstPassDone) return 'the first reconcile of every target has not finished yet';
  const hold = r.removalHold;
  if (hold.held) return hold.reason;
  const last = s.lastFullSync();
  if (last === undefined) return 'the first full pass has not finished yet';
  if (s.resyncInterval > 0) {
    const age = ((s.now ?? Date.now)() - last) / 1000;
    if (age > 3 * s.resyncInterval) {
      return `the last full sync finished ${Math.round(age)} s ago, more than 3 resync intervals (${s.resyncInterval} s)`;
    }
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(
    res,
    status,
    JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
    'application/json',
  );
}

function authorised(req: IncomingMessage, token: string): boolean {
  const given = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * A browser names the page a request comes from in `Origin`. Only the admin endpoint's own pages may use it: any other
 * page (a site the operator has open, a DNS-rebound name) is refused, whatever it asks.
 */
function foreignOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return origin !== `http://${req.headers.host ?? ''}`;
}

/** Serves /healthz, /readyz, /metrics, /state and POST /resync. */
export async function startAdminServer(options: AdminServerOptions, sources: AdminSources): Promise<AdminServer> {
  const { host, port } = parseListen(options.listen);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    if (foreignOrigin(req)) {
      options.logger.warn('admin request from another origin refused', { origin: req.headers.origin, route });
      return send(res, 403, 'forbidden: requests from other origins are refused\n');
    }
    switch (route) {
      case 'GET /healthz':
        return send(res, 200, 'ok\n');
      case 'GET /readyz': {
        const reason = notReadyReason(sources);
        return reason === undefined ? send(res, 200, 'ready\n') : send(res, 503, `not ready: ${reason}\n`);
      }
      case 'GET /metrics': {
        const body = await sources.metrics.registry.metrics();
        return send(res, 200, body, sources.metrics.registry.contentType);
      }
      case 'GET /state': {
        const r = sources.reconciler;
        const last = sources.lastFullSync();
        return json(res, 200, {
          revision: r.index.revision,
          leader: sources.isLeader(),
          synced: r.synced,
          lastFullSync: last === undefined ? null : new Date(last).toISOString(),
          removalHold: r.removalHold,
          malformedKeys: r.index.malformedCount(),
          targets: r.status().map((s) => ({
            ...s,
            lastSync: s.lastSyncAt === undefined ? null : new Date(s.lastSyncAt).toISOString(),
            lastError: s.lastError ? { ...s.lastError, at: new Date(s.lastError.at).toISOString() } : null,
          })),
        });
      }
      case 'POST /resync': {
        // Without a token anyone who can reach the port could drain a held load balancer: state-changing requests
        // need one. SIGHUP resyncs and `lbmanager confirm-removal` confirms without it.
        if (options.token === undefined) {
          return send(
            res,
            403,
            'forbidden: POST needs an admin token (--http-token, LBM_HTTP_TOKEN or LBM_HTTP_TOKEN_FILE); ' +
              'without one, resync with SIGHUP and confirm held removals with lbmanager confirm-removal\n',
          );
        }
        if (!authorised(req, options.token)) {
          res.setHeader('WWW-Authenticate', 'Bearer');
          return send(res, 401, 'unauthorised: this endpoint needs Authorization: Bearer <token>\n');
        }
        const confirm = url.searchParams.get('confirm-removal') === 'true';
        sources.resync(confirm);
        options.logger.info('resync requested over HTTP', { confirmRemoval: confirm });
        return json(res, 202, { accepted: true, confirmRemoval: confirm });
      }
      default:
        if (['/healthz', '/readyz', '/metrics', '/state', '/resync'].includes(url.pathname)) {
          return send(res, 405, 'method not allowed\n');
        }
        return send(res, 404, 'not found: try /healthz, /readyz, /metrics, /state or POST /resync\n');
    }
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      options.logger.error('admin request failed', { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) send(res, 500, 'internal error\n');
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
