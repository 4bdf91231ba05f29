import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListen } from '../util/listen.js';
import type { Logger } from '../util/logger.js';
import type { Metrics } from './metrics.js';
import { notReadyReason, stateHeader, stateJson, type StateSources } from './state-view.js';
import { StateStream } from './state-stream.js';
import { STATUS_PAGE, STATUS_PAGE_HEADERS } from './status-page.js';

/** What the admin endpoint reads from and asks of the daemon. */
export interface AdminSources extends StateSources {
  readonly metrics: Metrics;
  /** Re-read the tree and reconcile everything now; with `confirm`, the held removals go through. */
  readonly resync: (confirm: boolean) => void;
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

export { notReadyReason };

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

const ROUTES = ['/', '/healthz', '/readyz', '/metrics', '/state', '/events', '/resync'];

/** Serves the status page (/ and /events), /healthz, /readyz, /metrics, /state and POST /resync. */
export async function startAdminServer(options: AdminServerOptions, sources: AdminSources): Promise<AdminServer> {
  const { host, port } = parseListen(options.listen);
  const tokenConfigured = options.token !== undefined;
  const events = new StateStream({
    header: () => stateHeader(sources, tokenConfigured),
    statuses: () => sources.reconciler.statuses(),
  });
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
      case 'GET /':
        res.writeHead(200, STATUS_PAGE_HEADERS);
        return void res.end(STATUS_PAGE);
      case 'GET /state':
        return json(res, 200, stateJson(sources, tokenConfigured));
      case 'GET /events':
        if (!events.add(res)) send(res, 503, 'too many status pages open: try again later\n');
        return;
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
        if (ROUTES.includes(url.pathname)) return send(res, 405, 'method not allowed\n');
        return send(
          res,
          404,
          'not found: try / (the status page), /healthz, /readyz, /metrics, /state or POST /resync\n',
        );
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
        events.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
