#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=100
// The flags: on Node 22 and 24 V8 lets the young generation grow to several times Node 20's, and lets the old
// generation grow up to 4x what survived the last full GC before the next; under churn the daemon's RSS grew with both
// (B1 376 MB and B4 1.35x that without them, 271 MB and 1.13x with them; a million keys 1,342 -> 1,171 MB; start
// times unchanged: bench/README.md). Smaller values saved more at 100,000 keys but slowed a million keys' start. The
// image's ENTRYPOINT passes the same flags (a test keeps them equal); the bench runs the daemon with them.
import { Command, CommanderError } from 'commander';
import { registerAnnounceCommand } from './commands/announce.js';
import { registerConfirmRemovalCommand } from './commands/confirm-removal.js';
import { registerFakeAwsCommand } from './commands/fake-aws.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerRunCommand } from './commands/run.js';
import { registerStatusCommand } from './commands/status.js';
import { registerValidateCommand } from './commands/validate.js';
import { UsageError } from './config/flags.js';
import { maskUrlCredentials } from './util/mask-url.js';
import { VERSION } from './util/version.js';

/** EX_USAGE from sysexits.h: a bad flag or value. */
const EXIT_USAGE = 64;

const program = new Command('lbmanager')
  .description('Keeps AWS load balancer and Route53 membership equal to a tree of keys in etcd')
  // The runtime too: which Node a host runs lbmanager on decides which AWS SDK releases it can still take.
  .version(`${VERSION} (node ${process.version})`)
  .showHelpAfterError('(run lbmanager help for usage)')
  // Commander quotes a bad argument back: an endpoint's password must not reach the terminal with it.
  .configureOutput({ outputError: (text, write) => write(maskUrlCredentials(text)) })
  .exitOverride();

registerRunCommand(program);
registerFakeAwsCommand(program);
registerPlanCommand(program);
registerValidateCommand(program);
registerAnnounceCommand(program);
registerConfirmRemovalCommand(program);
registerStatusCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`lbmanager: ${maskUrlCredentials(e.message)}\n`);
    process.exit(EXIT_USAGE);
  }
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
      process.exit(0);
    }
    // Commander has already printed the message.
    process.exit(EXIT_USAGE);
  }
  // A failed system call (a port in use, a path that is not there) is about the user's setup: one line says it all.
  // Anything else is a bug, and its stack is what a bug report needs.
  const shown = !(e instanceof Error) ? String(e) : isSystemError(e) ? e.message : (e.stack ?? e.message);
  process.stderr.write(`lbmanager: ${maskUrlCredentials(shown)}\n`);
  process.exit(1);
}

// Node's errors from a system call carry its errno name and the call (`listen EADDRINUSE`, `open ENOENT`).
function isSystemError(e: Error): boolean {
  const err = e as NodeJS.ErrnoException;
  if (typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code) && typeof err.syscall === 'string') return true;
  return err.cause instanceof Error && isSystemError(err.cause);
}
