import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { addFlags, intIn, resolveFlags, UsageError, type FlagDef } from '../config/flags.js';
import { daemonConfig, ETCD_FLAGS, LOG_FLAGS } from '../config/daemon.js';
import { SECRET_VARIABLES } from '../config/credentials.js';
import type { Announcer } from '../etcd/announcer.js';
import { parseKey } from '../tree/keys.js';
import { deferredLogger, type Logger } from '../util/log.js';

const OWN_FLAGS: readonly FlagDef[] = [
  {
    flags: '--ttl <seconds>',
    description: 'lease TTL: how long the key outlives a crashed host or a killed process',
    parse: intIn(2, 3600, ' seconds'),
    default: 10,
  },
  {
    flags: '--value <value>',
    description: "the value put (a weighted key's weight, 0-255, empty for 1; ignored otherwise)",
    parse: (v) => v,
    default: '',
  },
];

/** Signals passed on to the command unchanged; SIGTERM and SIGINT first withdraw the key. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Exit code of a command that could not be started (as in the shell). */
const EXIT_NOT_FOUND = 127;

/** Adds `lbmanager announce KEY [--ttl S] [--value V] [-- CMD …]`. */
export function registerAnnounceCommand(program: Command): void {
  const cmd = program
    .command('announce')
    .description(
      'hold KEY on an etcd lease while this runs (or while CMD runs), delete it on exit; a crashed host\u2019s key expires after the TTL',
    )
    .argument('<key>', 'the member key, e.g. /lbManager/elb/us-east-1/web/multiple/i-0123456789abcdef0')
    .argument('[command...]', 'a command to run (after --); the key is held while it runs');
  addFlags(cmd, [...ETCD_FLAGS, ...OWN_FLAGS, ...LOG_FLAGS]);
  cmd.action(async (key: string, command: string[]) => {
    const config = daemonConfig(cmd);
    const own = resolveFlags(cmd, OWN_FLAGS);
    const ttl = own.get('ttl') as number;
    const parsed = parseKey(key, config.prefix, own.get('value') as string);
    if (!parsed.ok) throw new UsageError(`${JSON.stringify(key)} is not a member key: ${parsed.value.reason}`);
    // Every service unit's start pays for this command's start: etcd is reached over its JSON gateway (no gRPC to
    // load), and winston loads while the key is being put (log lines wait for it, in order).
    const [{ Announcer }, { EtcdGateway }] = await Promise.all([
      import('../etcd/announcer.js'),
      import('../etcd/gateway.js'),
    ]);
    const logger = deferredLogger(
      import('../util/logger.js').then(({ createLogger }) =>
        createLogger({ level: config.logLevel, ...(config.logFormat ? { format: config.logFormat } : {}) }),
      ),
    );
    const store = new EtcdGateway(config.etcd);
    const announcer = new Announcer({ store, key, value: own.get('value') as string, ttl, logger });
    const code = await (command.length > 0 ? runWith(announcer, command, logger) : holdUntilSignal(announcer));
    await logger.flushed();
    store.close();
    process.exit(code);
  });
}

async function holdUntilSignal(announcer: Announcer): Promise<number> {
  announcer.start();
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await announcer.stop();
  return 0;
}

/**
 * The command's environment: ours without lbmanager's own secrets. etcdctl's variables (ETCDCTL_PASSWORD…) and
 * $CREDENTIALS_DIRECTORY stay: they belong to the unit, whose command often runs etcdctl itself, and a credential
 * file is readable by the command anyway (same user, same unit).
 */
function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of SECRET_VARIABLES) delete out[name];
  return out;
}

async function runWith(announcer: Announcer, command: string[], logger: Logger): Promise<number> {
  const [file, ...args] = command;
  const child = spawn(file ?? '', args, { stdio: 'inherit', env: commandEnv(process.env) });
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', (e) => {
      logger.error('cannot start the command; nothing announced', { command: file, error: e.message });
      resolve(false);
    });
  });
  if (!started) return EXIT_NOT_FOUND;
  announcer.start();
  let stopSignal: NodeJS.Signals | undefined;
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => {
      // Stopped by the signal we were asked to pass on: a clean stop, as systemd sees a service killed by SIGTERM.
      if (signal && signal === stopSignal) resolve(0);
      else resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    }),
  );
  // Withdraw first, then stop the command, as the original's ExecStop=etcdctl del ran before systemd's SIGTERM.
  const onStop = (sig: NodeJS.Signals): void => {
    if (stopSignal) {
      child.kill(sig);
      return;
    }
    stopSignal = sig;
    void announcer.stop().finally(() => child.kill(sig));
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  for (const sig of FORWARDED) process.on(sig, () => child.kill(sig));
  const code = await exited;
  logger.info('command exited', { command: file, code });
  await announcer.stop();
  return code;
}
