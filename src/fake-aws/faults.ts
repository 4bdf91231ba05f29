/** Faults injected into AWS answers (never into `/_fake/*`). */
export interface Faults {
  /** Delay added to every answer. @default 0 */
  latencyMs: number;
  /** Up to this much more delay, at random. @default 0 */
  jitterMs: number;
  /** Fraction of calls answered `Throttling`. @default 0 */
  throttleRate: number;
  /** Fraction of calls answered HTTP 500. @default 0 */
  errorRate: number;
  /** Route53 requests per second across all zones (token bucket); excess answered `Throttling`. 0: unlimited. @default 0 */
  route53Rps: number;
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
  /** The load balancer, target group (name or ARN) or hosted zone id the call is about; any when absent. */
  readonly target?: string;
  /** Delay before the call is handled (its effect happens after it). @default 0 */
  readonly latencyMs?: number;
  /** How many more calls it applies to; all of them when absent. */
  count?: number;
}

/** The faults of a fake started without any. */
export function defaultFaults(seed: number): Faults {
  return {
    latencyMs: 0,
    jitterMs: 0,
    throttleRate: 0,
    errorRate: 0,
    route53Rps: 0,
    elbRps: 0,
    priorRequestMs: 0,
    seed,
    rules: [],
  };
}

const FAULT_KEYS: ReadonlyArray<keyof Faults> = [
  'latencyMs',
  'jitterMs',
  'throttleRate',
  'errorRate',
  'route53Rps',
  'elbRps',
  'priorRequestMs',
  'seed',
  'rules',
];

type NumericFault = Exclude<keyof Faults, 'rules'>;

function parseRule(input: unknown, i: number): CallRule {
  const where = `rules[${i}]`;
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error(`${where} must be an object`);
  const r = input as Record<string, unknown>;
  const known = ['operation', 'target', 'latencyMs', 'count'];
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
  return {
    ...(operation !== undefined ? { operation } : {}),
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
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`fault ${k} must be a number >= 0`);
    if ((k === 'throttleRate' || k === 'errorRate') && v > 1) throw new Error(`fault ${k} is a fraction from 0 to 1`);
    if (k === 'seed' && !Number.isInteger(v)) throw new Error('fault seed must be a whole number');
    out[k as NumericFault] = v;
  }
  return out;
}

/** Whether a rule applies to a call of `operation` about `target`. */
export function ruleMatches(rule: CallRule, operation: string, target: string): boolean {
  if (rule.count !== undefined && rule.count <= 0) return false;
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
