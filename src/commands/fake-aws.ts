import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { parseListen } from '../util/listen.js';
import { addFlags, intIn, nonEmpty, numberIn, oneOf, resolveFlags, UsageError, type FlagDef } from '../config/flags.js';
import { ROUTE53_ACCOUNT_BUCKET, ROUTE53_CHANGE_BUCKET, ROUTE53_UPSERT_CHANGES } from '../fake-aws/route53-throttle.js';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../util/log.js';

const FLAGS: readonly FlagDef[] = [
  {
    flags: '--listen <host:port>',
    description: 'where to listen',
    parse: (v) => (parseListen(v), v),
    default: '127.0.0.1:4566',
  },
  {
    flags: '--state <file>',
    description: 'JSON state to load at start (load balancers, target groups, VPCs, instances, zones)',
    parse: nonEmpty,
  },
  { flags: '--save', description: 'write the state back to --state on exit', parse: () => true, default: false },
  {
    flags: '--latency-ms <ms>',
    description: 'delay added to every answer',
    parse: intIn(0, 600_000, ' ms'),
    default: 0,
  },
  {
    flags: '--jitter-ms <ms>',
    description: 'up to this much more delay, at random',
    parse: intIn(0, 600_000, ' ms'),
    default: 0,
  },
  {
    flags: '--throttle-rate <fraction>',
    description: 'fraction of calls answered Throttling',
    parse: numberIn(0, 1),
    default: 0,
  },
  {
    flags: '--error-rate <fraction>',
    description: 'fraction of calls answered HTTP 500',
    parse: numberIn(0, 1),
    default: 0,
  },
  // Route53 is throttled as AWS throttles it unless told otherwise (see ROUTE53_* in fake-aws/route53-throttle.ts).
  {
    flags: '--route53-rps <n>',
    description:
      "refill rate of Route53's account request bucket, per second (excess: Throttling); 0 turns all Route53 throttling off",
    parse: numberIn(0, 100_000),
    default: ROUTE53_ACCOUNT_BUCKET.rate,
  },
  {
    flags: '--route53-burst <n>',
    description: "capacity of Route53's account request bucket",
    parse: intIn(1, 1_000_000),
    default: ROUTE53_ACCOUNT_BUCKET.burst,
  },
  {
    flags: '--no-route53-operation-buckets',
    description: "turn off Route53's per-operation request buckets (on: the figures of AWS's throttling page)",
    parse: () => true,
  },
  {
    flags: '--route53-change-rate <n>',
    description: "refill rate of Route53's change-throughput bucket, in record changes per second; 0 turns it off",
    parse: numberIn(0, 1_000_000),
    default: ROUTE53_CHANGE_BUCKET.rate,
  },
  {
    flags: '--route53-change-burst <n>',
    description: "capacity of Route53's change-throughput bucket, in record changes",
    parse: intIn(1, 1_000_000),
    default: ROUTE53_CHANGE_BUCKET.burst,
  },
  {
    flags: '--route53-upsert-changes <n>',
    description: 'record changes one UPSERT counts against the change bucket (1 or 2)',
    parse: intIn(1, 2),
    default: ROUTE53_UPSERT_CHANGES,
  },
  {
    flags: '--elb-rps <n>',
    description: 'ELB/ELBv2 requests per second (excess: Throttling); 0 unlimited',
    parse: numberIn(0, 100_000),
    default: 0,
  },
  {
    flags: '--prior-request-ms <ms>',
    description: 'after a change, a zone answers PriorRequestNotComplete for this long',
    parse: intIn(0, 600_000, ' ms'),
    default: 0,
  },
  {
    flags: '--describe-lag-ms <ms>',
    description: 'describes (load balancers, instance and target health) show membership as of this long ago',
    parse: intIn(0, 600_000, ' ms'),
    default: 0,
  },
  {
    flags: '--healthy-after-ms <ms>',
    description: 'a registered target is initial (ELBv2) / OutOfService (ELB) this long, then healthy / InService',
    parse: intIn(0, 3_600_000, ' ms'),
    default: 100,
  },
  {
    flags: '--deregistration-delay-ms <ms>',
    description: "a deregistered ELBv2 target is draining this long (a group's own delay in the state wins)",
    parse: intIn(0, 3_600_000, ' ms'),
    default: 300,
  },
  {
    flags: '--targets-per-group <n>',
    description: "registered targets a target group may hold: TooManyTargets past it (a group's targetLimit wins)",
    parse: intIn(1, 1_000_000),
    default: 1000,
  },
  {
    flags: '--registrations-per-target <n>',
    description: 'registrations of one target across the groups of a region: TooManyRegistrationsForTargetId past it',
    parse: intIn(1, 1_000_000),
    default: 100,
  },
  {
    flags: '--seed <n>',
    description: 'seed of the random faults (jitter, throttle and error rates): the same seed replays them',
    parse: intIn(0, 2 ** 31 - 1),
    defaultDescription: 'drawn at start and logged',
  },
  {
    flags: '--log-level <level>',
    description: 'error, warn, info or debug',
    parse: oneOf(LOG_LEVELS),
    default: 'info',
  },
  { flags: '--log-format <format>', description: 'json or text', parse: oneOf(['json', 'text'] as const) },
];

/** Adds `lbmanager fake-aws`: the local AWS endpoint for tests, the demo and trying units without an account. */
export function registerFakeAwsCommand(program: Command): void {
  const cmd = program
    .command('fake-aws')
    .description('a local, protocol-faithful Classic ELB, ELBv2 and Route53 endpoint (see /_fake/* for control)');
  addFlags(cmd, FLAGS);
  cmd.action(async () => {
    const v = resolveFlags(cmd, FLAGS);
    const format = v.get('log-format') as LogFormat | undefined;
    const [{ startFakeAws }, { FakeAwsState }, { createLogger }] = await Promise.all([
      import('../fake-aws/server.js'),
      import('../fake-aws/state.js'),
      import('../util/logger.js'),
    ]);
    const logger = createLogger({ level: v.get('log-level') as LogLevel, ...(format ? { format } : {}) });
    const statePath = v.get('state') as string | undefined;
    if (statePath) checkStateFile(statePath, v.get('save') as boolean, (json) => new FakeAwsState().load(json));
    const server = await startFakeAws({
      listen: v.get('listen') as string,
      ...(statePath ? { statePath } : {}),
      save: v.get('save') as boolean,
      latencyMs: v.get('latency-ms') as number,
      jitterMs: v.get('jitter-ms') as number,
      throttleRate: v.get('throttle-rate') as number,
      errorRate: v.get('error-rate') as number,
      route53Rps: v.get('route53-rps') as number,
      route53Burst: v.get('route53-burst') as number,
      route53OperationBuckets: v.get('no-route53-operation-buckets') !== true,
      route53ChangeRate: v.get('route53-change-rate') as number,
      route53ChangeBurst: v.get('route53-change-burst') as number,
      route53UpsertChanges: v.get('route53-upsert-changes') as number,
      elbRps: v.get('elb-rps') as number,
      priorRequestMs: v.get('prior-request-ms') as number,
      describeLagMs: v.get('describe-lag-ms') as number,
      healthyAfterMs: v.get('healthy-after-ms') as number,
      deregistrationDelayMs: v.get('deregistration-delay-ms') as number,
      targetsPerGroup: v.get('targets-per-group') as number,
      registrationsPerTarget: v.get('registrations-per-target') as number,
      ...(v.get('seed') !== undefined ? { seed: v.get('seed') as number } : {}),
      logger,
    });
    // Handlers first: whoever waits for the line below may signal at once, and must not kill the process unsaved.
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    // The seed of the random faults, so that a run that found something can be replayed with --seed.
    process.stdout.write(`fake-aws listening on ${server.url} (random faults seed ${server.faults.seed})\n`);
    await stopped;
    await server.close();
    process.exit(0);
  });
}

/** A state file that cannot be used is a usage error at start, not a stack trace (or a lost state at exit). */
function checkStateFile(path: string, save: boolean, load: (json: unknown) => void): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new UsageError(`--state ${path}: cannot read it (${code ?? String(e)})`);
    if (!save) {
      throw new UsageError(`--state ${path} does not exist: add --save to start empty and create it on exit`);
    }
    try {
      accessSync(dirname(path), constants.W_OK);
    } catch (e2) {
      const why =
        (e2 as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'the directory is not writable';
      throw new UsageError(`--state ${path}: cannot create it on exit (${why})`);
    }
    return;
  }
  try {
    load(JSON.parse(text));
  } catch (e) {
    throw new UsageError(`--state ${path} is not valid: ${(e as Error).message}`);
  }
}
