import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListen } from '../util/listen.js';
import { silentLogger, type Logger } from '../util/log.js';
import { seededRandom } from '../util/random.js';
import { ApiError, type ApiAnswer } from './api.js';
import { handleElb } from './elb-api.js';
import { handleElbv2 } from './elbv2-api.js';
import {
  defaultFaults,
  mergeFaults,
  parseFaults,
  route53ThrottleConfig,
  ruleMatches,
  type CallRule,
  type Faults,
} from './faults.js';
import { handleRoute53, route53Operation } from './route53-api.js';
import { MAX_CONTROL_BODY, readBody, regionOf, requestTarget } from './request.js';
import { Route53Throttle } from './route53-throttle.js';
import { FakeAwsState } from './state.js';
import { TokenBucket, type NowMs } from '../util/token-bucket.js';
import { NS, queryError, requestId, route53Error } from './xml.js';

export { parseFaults, type CallRule, type Faults };

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions extends Partial<Faults> {
  /** `host:port`; port 0 picks a free one. @default 127.0.0.1:4566 */
  readonly listen?: string;
  /** JSON state loaded at start. */
  readonly statePath?: string;
  /** Write the state back to `statePath` on close. @default false */
  readonly save?: boolean;
  readonly logger?: Logger;
  /** Replaces the seeded generator of random faults (tests). */
  readonly random?: () => number;
  /** The time the rate-limit buckets see (tests drive it by hand instead of sleeping). @default Date.now */
  readonly clock?: NowMs;
}

/** One answered call, as `/_fake/calls` lists it. */
export interface FakeCall {
  readonly seq: number;
  readonly time: string;
  /** When the request arrived, in epoch milliseconds with sub-millisecond precision (for latency measurements). */
  readonly receivedAt: number;
  readonly operation: string;
  readonly service: 'elb' | 'elbv2' | 'route53';
  readonly region: string;
  readonly target: string;
  /** `ok` or the error code. */
  readonly outcome: string;
  readonly userAgent: string;
  readonly durationMs: number;
  readonly members?: string[];
}

/** A call received and not answered yet, as `/_fake/calls` lists it under `inFlight`. */
export interface InFlightCall {
  readonly operation: string;
  readonly service: 'elb' | 'elbv2' | 'route53';
  readonly region: string;
  readonly target: string;
  readonly receivedAt: number;
}

/** A running fake endpoint. */
export interface FakeAwsServer {
  readonly url: string;
  readonly port: number;
  readonly state: FakeAwsState;
  readonly faults: Faults;
  close(): Promise<void>;
}

const MAX_CALLS = 100_000;
/** Starts the local AWS endpoint: Classic ELB, ELBv2 and Route53 on one port, plus `/_fake/*` control routes. */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAwsServer> {
  const logger = options.logger ?? silentLogger;
  const state = new FakeAwsState();
  if (options.statePath) {
    let text: string | undefined;
    try {
      text = readFileSync(options.statePath, 'utf8');
    } catch (e) {
      // A file to save to that does not exist yet: start empty, it is written on close.
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      if (!(missing && options.save)) {
        throw new Error(`cannot read the state file ${options.statePath}: ${(e as Error).message}`, { cause: e });
      }
      logger.info('fake-aws state file does not exist yet: starting empty, it is written on exit', {
        path: options.statePath,
      });
    }
    try {
      if (text !== undefined) state.load(JSON.parse(text));
    } catch (e) {
      throw new Error(`the state file ${options.statePath} is not valid: ${(e as Error).message}`, { cause: e });
    }
  }
  // Without a seed, one is drawn and logged, so a run whose random faults found something can be replayed.
  const faults = mergeFaults(defaultFaults(options.seed ?? Math.floor(Math.random() * 2 ** 31)), options);
  let random = options.random ?? seededRandom(faults.seed);
  const inFlight = new Map<number, InFlightCall>();
  let inFlightSeq = 0;
  const clock = options.clock ?? Date.now;
  const route53Throttle = new Route53Throttle(route53ThrottleConfig(faults), clock);
  // TestDNSAnswer draws from a sequence of its own, so asking it never shifts the faults a seed replays.
  const dnsRandom = seededRandom(faults.seed + 1);
  const elbBucket = new TokenBucket(faults.elbRps, faults.elbRps, clock);
  let calls: FakeCall[] = [];
  let counts: Record<string, number> = {};
  let seq = 0;

  const record = (call: Omit<FakeCall, 'seq' | 'time'>): void => {
    const c: FakeCall = { seq: ++seq, time: new Date().toISOString(), ...call };
    calls.push(c);
    if (calls.length > MAX_CALLS + 10_000) calls = calls.slice(-MAX_CALLS);
    counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    logger.info('fake-aws answered', {
      operation: c.operation,
      region: c.region,
      target: c.target,
      outcome: c.outcome,
      ms: c.durationMs,
    });
  };

  const json = (res: ServerResponse, status: number, value: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  const control = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const route = `${req.method ?? 'GET'} ${url.pathname}`;
    const body = req.method === 'POST' ? await readBody(req, MAX_CONTROL_BODY) : '';
    let input: unknown = {};
    if (body.trim() !== '') {
      try {
        input = JSON.parse(body);
      } catch {
        return json(res, 400, { error: 'the body must be JSON' });
      }
    }
    const inputObj = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
    switch (route) {
      case 'GET /_fake/state':
        return json(res, 200, state.toJSON());
      case 'GET /_fake/calls': {
        const since = Number(url.searchParams.get('since') ?? 0) || 0;
        return json(res, 200, {
          counts,
          total: seq,
          calls: since > 0 ? calls.filter((c) => c.seq > since) : calls,
          inFlight: [...inFlight.values()],
        });
      }
      case 'GET /_fake/faults':
        return json(res, 200, faults);
      case 'POST /_fake/faults': {
        let changed: Partial<Faults>;
        try {
          changed = parseFaults(input);
        } catch (e) {
          return json(res, 400, { error: (e as Error).message });
        }
        mergeFaults(faults, changed);
        if (changed.seed !== undefined) random = seededRandom(changed.seed);
        route53Throttle.configure(route53ThrottleConfig(faults));
        elbBucket.configure(faults.elbRps, faults.elbRps);
        logger.info('fake-aws faults changed', { ...faults });
        return json(res, 200, faults);
      }
      case 'POST /_fake/reset': {
        // {} clears the call log and the state; {"keepState": true} only the call log; {"state": S} loads S.
        try {
          if (inputObj.state !== undefined) state.load(inputObj.state);
          else if (inputObj.keepState !== true) state.load({});
        } catch (e) {
          return json(res, 400, { error: (e as Error).message });
        }
        calls = [];
        counts = {};
        // A reset is a new account: its rate-limit buckets start full.
        route53Throttle.fill();
        elbBucket.fill();
        return json(res, 200, { reset: true, seq });
      }
      case 'POST /_fake/terminate': {
        const region = typeof inputObj.region === 'string' ? inputObj.region : 'us-east-1';
        const ids = inputObj.instances;
        if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string')) {
          return json(res, 400, { error: 'expected {"region": "us-east-1", "instances": ["i-…"]}' });
        }
        let set = state.terminated.get(region);
        if (!set) state.terminated.set(region, (set = new Set()));
        for (const i of ids) set.add(i);
        return json(res, 200, { region, terminated: [...set].sort() });
      }
      case 'POST /_fake/instances': {
        // The account's instances in a region: other ids do not exist there; `null` lifts the list (any id exists).
        const region = typeof inputObj.region === 'string' ? inputObj.region : 'us-east-1';
        const ids = inputObj.instances;
        if (ids === null) state.knownInstances.delete(region);
        else if (Array.isArray(ids) && ids.every((i) => typeof i === 'string')) {
          state.knownInstances.set(region, new Set(ids));
        } else return json(res, 400, { error: 'expected {"region": "us-east-1", "instances": ["i-…"] or null}' });
        const known = state.knownInstances.get(region);
        return json(res, 200, { region, instances: known ? [...known].sort() : null });
      }
      default:
        return json(res, 404, {
          error:
            'unknown control route: GET /_fake/state, GET /_fake/calls, GET|POST /_fake/faults, POST /_fake/reset, POST /_fake/terminate, POST /_fake/instances',
        });
    }
  };

  const aws = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const started = Date.now();
    const receivedAt = performance.timeOrigin + performance.now();
    const id = requestId();
    const region = regionOf(req.headers.authorization);
    const userAgent = String(req.headers['user-agent'] ?? '');
    let service: FakeCall['service'] = 'route53';
    let operation = 'Unknown';
    let ns: string = NS.route53;
    let params = new URLSearchParams();
    let target = '';
    const flightId = ++inFlightSeq;
    let answer: ApiAnswer;
    try {
      const body = await readBody(req);
      const r53 = route53Operation(req.method ?? 'GET', url.pathname);
      if (r53) {
        operation = r53;
      } else if (req.method === 'POST' && (url.pathname === '/' || url.pathname === '')) {
        params = new URLSearchParams(body);
        const version = params.get('Version');
        service = version === '2015-12-01' ? 'elbv2' : 'elb';
        ns = service === 'elbv2' ? NS.elbv2 : NS.elb;
        operation = params.get('Action') ?? 'Unknown';
        if (version !== '2012-06-01' && version !== '2015-12-01') {
          throw new ApiError(
            400,
            'InvalidParameterValue',
            `Unknown Version ${version ?? '(none)'}: expected 2012-06-01 (ELB) or 2015-12-01 (ELBv2)`,
          );
        }
      } else {
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${req.method ?? 'GET'} ${url.pathname}`);
      }
      target = requestTarget(service, params, url.pathname);
      inFlight.set(flightId, { operation, service, region, target, receivedAt });
      const rule = faults.rules.find((r) => ruleMatches(r, service, operation, target));
      if (rule?.count !== undefined) rule.count--;
      if (rule?.hang) {
        logger.info('fake-aws swallowed a request (hang fault)', { operation, region, target });
        // The socket stays open and nothing is written; the call stays in flight until the client gives up.
        res.on('close', () => inFlight.delete(flightId));
        return;
      }
      const delay = faults.latencyMs + (rule?.latencyMs ?? 0) + (faults.jitterMs > 0 ? random() * faults.jitterMs : 0);
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const admitted = service === 'route53' ? route53Throttle.admitRequest(operation) : elbBucket.tryTake(1);
      if (!admitted || (faults.throttleRate > 0 && random() < faults.throttleRate)) {
        throw new ApiError(400, 'Throttling', 'Rate exceeded');
      }
      if (faults.errorRate > 0 && random() < faults.errorRate) {
        throw new ApiError(
          500,
          'InternalFailure',
          'We encountered an internal error. Please try again.',
          '',
          'Receiver',
        );
      }
      answer =
        service === 'route53'
          ? handleRoute53(state, operation, url.pathname, url.searchParams, body, {
              priorRequestMs: faults.priorRequestMs,
              throttle: route53Throttle,
              random: dnsRandom,
            })
          : service === 'elbv2'
            ? handleElbv2(state, region, operation, params, id, faults)
            : handleElb(state, region, operation, params, id, faults);
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : new ApiError(500, 'InternalFailure', `internal error: ${(e as Error).message}`, '', 'Receiver');
      inFlight.delete(flightId);
      const errTarget = err.target || target;
      const errBody =
        service === 'route53'
          ? route53Error(err.code, err.message, id, err.type)
          : queryError(ns, err.code, err.message, id, err.type);
      res.writeHead(err.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': id, Date: new Date().toUTCString() });
      res.end(errBody);
      record({
        operation,
        service,
        region,
        target: errTarget,
        outcome: err.code,
        userAgent,
        receivedAt,
        durationMs: Date.now() - started,
      });
      return;
    }
    inFlight.delete(flightId);
    res.writeHead(answer.status, {
      'Content-Type': 'text/xml',
      'x-amzn-RequestId': id,
      Date: new Date().toUTCString(),
    });
    res.end(answer.body);
    record({
      operation,
      service,
      region,
      target: answer.target,
      outcome: 'ok',
      userAgent,
      receivedAt,
      durationMs: Date.now() - started,
      ...(answer.members ? { members: answer.members } : {}),
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-aws');
    const handler = url.pathname.startsWith('/_fake/') ? control : aws;
    handler(req, res, url).catch((e: unknown) => {
      logger.error('fake-aws request failed', { error: e instanceof Error ? e.message : String(e) });
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/xml' });
        res.end(route53Error('InternalFailure', 'internal error', requestId(), 'Receiver'));
      } else res.end();
    });
  });
  server.keepAliveTimeout = 65_000;
  const { host, port } = parseListen(options.listen ?? '127.0.0.1:4566');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: addr.port,
    state,
    faults,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (options.save && options.statePath) {
          writeFileSync(options.statePath, `${JSON.stringify(state.toJSON(), null, 2)}\n`);
          logger.info('fake-aws state saved', { path: options.statePath });
        }
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
