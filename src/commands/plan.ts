import type { Command } from 'commander';
import { addFlags, type FlagDef } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS } from '../config/daemon.js';
import { PLAN_EXIT, planExitCode, renderPlanJson, renderPlanText } from '../plan/sync-plan.js';
import { maskUrlCredentials } from '../util/mask-url.js';
import { OUTPUT_FLAG, outputFormat } from '../config/output.js';
import { write } from '../util/output.js';

const FLAGS: readonly FlagDef[] = [...DAEMON_FLAGS, OUTPUT_FLAG];

/** Adds `lbmanager plan`: what a sync would change, applying nothing. */
export function registerPlanCommand(program: Command): void {
  const cmd = program
    .command('plan')
    .description(
      'read the tree and AWS once and print the changes a sync would make; exit 0 in sync, 2 changes, 1 error',
    );
  addFlags(cmd, FLAGS);
  cmd.action(async () => {
    const config = daemonConfig(cmd);
    const output = outputFormat(cmd);
    let code: number;
    try {
      const { computePlan } = await import('../daemon/plan-once.js');
      const plan = await computePlan(config);
      await write(output === 'json' ? renderPlanJson(plan) : renderPlanText(plan));
      code = planExitCode(plan);
    } catch (e) {
      process.stderr.write(`lbmanager plan: ${maskUrlCredentials(e instanceof Error ? e.message : String(e))}\n`);
      code = PLAN_EXIT.error;
    }
    process.exit(code);
  });
}
