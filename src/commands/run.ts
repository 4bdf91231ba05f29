import type { Command } from 'commander';
import { addFlags } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS } from '../config/daemon.js';

/** Adds `lbmanager run`, the default command. */
export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('run the daemon: read and watch the tree, keep AWS membership equal to it');
  addFlags(cmd, DAEMON_FLAGS);
  cmd.action(async () => {
    const config = daemonConfig(cmd, process.env, { adminEndpoint: true });
    // Loaded here, not at the top: `lbmanager --version` or `announce` must not pay for the SDK, gRPC and winston.
    const { runDaemon } = await import('../daemon/run-until-signal.js');
    const code = await runDaemon(config);
    process.exit(code);
  });
}
