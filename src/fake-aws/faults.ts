import { checkElbModelFault, DEFAULT_ELB_MODEL, ELB_MODEL_KEYS, type ElbModel } from './elb-model.js';
import {
  ROUTE53_ACCOUNT_BUCKET,
  ROUTE53_CHANGE_BUCKET,
  ROUTE53_UPSERT_CHANGES,
  type Route53ThrottleConfig,
} from './route53-throttle.js';

/** Faults injected into AWS answers (never into `/_fake/*`); the ELB model's knobs are {@link ElbModel}'s. */
export interface Faults extends ElbModel {
  /** Delay added to every answer. @default 0 */
  latencyMs: number;
  /** Up to this much more delay, at random. @default 0 */
  jitterMs: number;
  /** Fraction of calls answered `Throttling`. @default 0 */
  throttleRate: number;
  /** Fraction of calls answered HTTP 500. @default 0 */
  errorRate: number;
  /**
   * Refill rate of Route53's account-level request bucket, in requests per second (AWS: 10). 0 turns all of Route53's
   * throttling off (account, per-operation and change buckets), as `--route53-rps 0` always meant "unlimited".
   * @default 10
   */
  route53Rps: number;
  /** Capacity (burst) of Route53's account-level request bucket (AWS: 50). @default 50 */
  route53Burst: number;
  /** Whether Route53's per-operation request buckets apply (AWS: yes, with the figures of its page). @default true */
  route53OperationBuckets: boolean;
  /** Refill rate of Route53's change-throughput bucket, in record changes per second; 0 turns it off. @default 100 */
  route53ChangeRate: number;
  /** Capacity (burst) of Route53's change-throughput bucket, in record changes. @default 1000 */
  route53ChangeBurst: number;
  /** How many changes one UPSERT counts against the change bucket (a CREATE or DELETE counts 1). @default 2 */
  route53UpsertChanges: number;
  /** ELB and ELBv2 requests per second (token bucket, burst equal to the rate). 0: unlimited. @default 0 */
  elbRps: number;
  /** After a change, a zone answers `PriorRequestNotComplete` to changes for this long. @default 0 */
  priorRequestMs: number;
  /** Seed of the random faults (jitter, throttle and error rates): the same seed replays the same faults. */
  seed: number;
  /** Faults of some calls only, checked in order; the first rule that matches a call applies to it. @default [] */
  rules: CallRule[];
}

/**
 * A fault for some calls only: those of one operation, about one target, the next `count` of them. It lets a test
 * force a race deterministically (this write answers only after that listing) instead of hoping for it.
 */
export interface CallRule {
  /** The API operation, e.g. `RegisterInstancesWithLoadBalancer`; any when absent. */
  readonly operation?: string;
  /** `elb`, `elbv2` or `route53`; any when absent. */
  readonly service?: 'elb' | 'elbv2' | 'route53';
  /** The load balancer, target group (name or ARN) or hosted zone id the call is about; any when absent. */
  readonly target?: string;
  /** Delay before the call is handled (its effect happens after it). @default 0 */
  readonly latencyMs?: number;
  /**
   * Accept the request and never answer it, as a half-open connection or a proxy that swallows requests does: the
   * client sees nothing until its own timeout. Nothing is applied. @default false
   */
  readonly hang?: boolean;
  /** How many more calls it applies to; all of them when absent. */
  count?: number;
}

/** The faults of a fake started without any: no injected faults, Route53 throttled as AWS throttles it. */
export function defaultFaults(seed: number): Faults {
  return {
    latencyMs: 0,
    jitterMs: 0,
    throttleRate: 0,
    errorRate: 0,
    route53Rps: ROUTE53_ACCOUNT_BUCKET.rate,
    route53Burst: ROUTE53_ACCOUNT_BUCKET.burst,
    route53OperationBuckets: true,
    route53ChangeRate: ROUTE53_CHANGE_BUCKET.rate,
    route53ChangeBurst: ROUTE53_CHANGE_BUCKET.burst,
    route53UpsertChanges: ROUTE53_UPSERT_CHANGES,
    elbRps: 0,
    priorRequestMs: 0,
    seed,
    rules: [],
    ...DEFAULT_ELB_MODEL,
  };
}

/** The Route53 bucket figures a set of faults asks for. */
export function route53ThrottleConfig(f: Faults): Route53ThrottleConfig {
  return {
    accountRate: f.route53Rps,
    accountBurst: f.route53Burst,
    operationBuckets: f.route53OperationBuckets,
    changeRate: f.route53ChangeRate,
    changeBurst: f.route53ChangeBurst,
    upsertChanges: f.route53UpsertChanges,
  };
}

const FAULT_KEYS: ReadonlyArray<keyof Faults> = [
  'latencyMs',
  'jitterMs',
  'throttleRate',
  'errorRate',
  'route53Rps',
  'route53Burst',
  'route53OperationBuckets',
  'route53ChangeRate',
  'route53ChangeBurst',
  'route53UpsertChanges',
  'elbRps',
  'priorRequestMs',
  'seed',
  'rules',
  ...ELB_MODEL_KEYS,
];

type NumericFault = Exclude<keyof Faults, 'rules' | 'route53OperationBuckets'>;

function parseRule(input: unknown, i: number): CallRule {
  const where = `rules[${i}]`;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error(`${where} must be an object`);
  const r = input as Record<string, unknown>;
  const known = ['operation', 'service', 'target', 'latencyMs', 'count', 'hang'];
  for (const k of Object.keys(r)) if (!known.includes(k)) throw new Error(`${where}: unknown field "${k}"`);
  const text = (k: string): string | undefined => {
    const v = r[k];
    if (v !== undefined && typeof v !== 'string') throw new Error(`${where}.${k} must be a string`);
    return v;
  };
  const whole = (k: string): number | undefined => {
    const v = r[k];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
      throw new Error(`${where}.${k} must be a whole number >= 0`);
    return v;
  };
  const [operation, target, latencyMs, count] = [text('operation'), text('target'), whole('latencyMs'), whole('count')];
  const service = text('service');
  if (service !== undefined && service !== 'elb' && service !== 'elbv2' && service !== 'route53')
    throw new Error(`${where}.service must be elb, elbv2 or route53`);
  if (r.hang !== undefined && typeof r.hang !== 'boolean') throw new Error(`${where}.hang must be true or false`);
  return {
    ...(operation !== undefined ? { operation } : {}),
    ...(service !== undefined ? { service } : {}),
    ...(r.hang === true ? { hang: true } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(count !== undefined ? { count } : {}),
  };
}

/** Validates a partial faults object (from flags or `POST /_fake/faults`); throws a clear Error. */
export function parseFaults(input: unknown): Partial<Faults> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('faults must be a JSON object');
  const out: Partial<Faults> = {};
  for (const [k, v] of Object.entries(input)) {
    if (!FAULT_KEYS.includes(k as keyof Faults))
      throw new Error(`unknown fault "${k}" (known: ${FAULT_KEYS.join(', ')})`);
    if (k === 'rules') {
      if (!Array.isArray(v)) throw new Error('fault rules must be a list of rules');
      out.rules = v.map(parseRule);
      continue;
    }
    if (k === 'route53OperationBuckets') {
      if (typeof v !== 'boolean') throw new Error('fault route53OperationBuckets must be true or false');
      out.route53OperationBuckets = v;
      continue;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`fault ${k} must be a number >= 0`);
    if ((k === 'throttleRate' || k === 'errorRate') && v > 1) throw new Error(`fault ${k} is a fraction from 0 to 1`);
    if (k === 'seed' && !Number.isInteger(v)) throw new Error('fault seed must be a whole number');
    if (k === 'route53UpsertChanges' && v !== 1 && v !== 2) throw new Error('fault route53UpsertChanges is 1 or 2');
    if ((k === 'route53Burst' || k === 'route53ChangeBurst') && v < 1)
      throw new Error(`fault ${k} must be at least 1 (a bucket that holds nothing throttles everything)`);
    checkElbModelFault(k, v);
    out[k as NumericFault] = v;
  }
  return out;
}

/** Whether a rule applies to a call of `operation` of `service` about `target`. */
export function ruleMatches(rule: CallRule, service: string, operation: string, target: string): boolean {
  if (rule.count !== undefined && rule.count <= 0) return false;
  if (rule.service !== undefined && rule.service !== service) return false;
  if (rule.operation !== undefined && rule.operation !== operation) return false;
  // A target group rule may name the group; calls name it by ARN (`…:targetgroup/<name>/<id>`).
  if (rule.target !== undefined && rule.target !== target && !target.includes(`:targetgroup/${rule.target}/`))
    return false;
  return true;
}

/** Copies the fault fields that `changes` defines onto `faults` (other fields of `changes` are ignored). */
export function mergeFaults(faults: Faults, changes: Partial<Faults>): Faults {
  for (const k of FAULT_KEYS) {
    const v = changes[k];
    if (v !== undefined) Object.assign(faults, { [k]: v });
  }
  return faults;
}
