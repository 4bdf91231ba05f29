import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { addFlags, intIn, resolveFlags, UsageError, type FlagDef } from '../config/flags.js';
import { daemonConfig, DAEMON_FLAGS, ETCD_FLAGS, LOG_FLAGS } from '../config/daemon.js';
import { confirmationKey, encodeConfirmation } from '../etcd/confirmations.js';
import type { RemovalConfirmation } from '../plan/removal-guard.js';
import { parseTargetId } from '../tree/keys.js';

const STATE_PREFIX_FLAG = DAEMON_FLAGS.filter((f) => f.flags.startsWith('--state-prefix'));

const OWN_FLAGS: readonly FlagDef[] = [
  { flags: '--all', description: 'confirm every held removal', parse: () => true, default: false },
  {
    flags: '--ttl <seconds>',
    description: 'how long the confirmation waits for a leader to apply it before it lapses',
    parse: intIn(10, 86_400, ' seconds'),
    default: 600,
  },
  {
    flags: '--wait <seconds>',
    description: 'wait this long for the leader to apply it (0: write and exit)',
    parse: intIn(0, 3600, ' seconds'),
    default: 30,
  },
];

/** Exit code when no leader applied the confirmation within --wait. */
const EXIT_NOT_APPLIED = 1;

/** Adds `lbmanager confirm-removal [TARGET…|--all]`. */
export function registerConfirmRemovalCommand(program: Command): void {
  const cmd = program
    .command('confirm-removal')
    .description(
      'confirm removals held by the removal guard, through etcd (etcd access control decides who may): ' +
        'those of the TARGETs named, or --all',
    )
    .argument('[targets...]', 'target ids as /state shows them: elb/us-east-1/web, route53/Z0123/www.example.com');
  addFlags(cmd, [...ETCD_FLAGS, ...STATE_PREFIX_FLAG, ...OWN_FLAGS, ...LOG_FLAGS]);
  cmd.action(async (targets: string[]) => {
    const config = daemonConfig(cmd);
    const own = resolveFlags(cmd, OWN_FLAGS);
    const all = own.get('all') as boolean;
    if (all === targets.length > 0) {
      throw new UsageError('name the targets whose removals you confirm, or give --all (not both)');
    }
    const ids = targets.map((t) => {
      const parsed = parseTargetId(t);
      if (!parsed.ok) throw new UsageError(`${JSON.stringify(t)} is not a target id: ${parsed.reason}`);
      return parsed.id;
    });
    const confirmation: RemovalConfirmation = all ? 'all' : { targets: ids };
    const ttl = own.get('ttl') as number;
    const wait = own.get('wait') as number;
    const key = confirmationKey(config.statePrefix);
    const { createEtcdClient } = await import('../etcd/client.js');
    const client = createEtcdClient(config.etcd);
    try {
      const lease = client.lease(ttl, { autoKeepAlive: false });
      await lease.grant();
      const by = `${userInfo().username}@${hostname()}`;
      await lease.put(key).value(encodeConfirmation({ confirmation, by, at: new Date().toISOString() }));
      const what = all ? 'every held removal' : `the held removals of ${ids.join(', ')}`;
      process.stdout.write(`Confirmed ${what} (written to ${key}, valid ${ttl} s).\n`);
      if (wait === 0) return;
      const deadline = Date.now() + wait * 1000;
      while (Date.now() < deadline) {
        const res = await client.kv.range({ key: Buffer.from(key), keys_only: true });
        // The leader deletes the key once it has applied the confirmation.
        if (res.kvs.length === 0) {
          process.stdout.write('The leader applied it.\n');
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      process.stderr.write(
        `No leader applied it within ${wait} s: is lbmanager running against this etcd with --state-prefix ` +
          `${config.statePrefix}? The confirmation stays for ${ttl} s in all.\n`,
      );
      process.exitCode = EXIT_NOT_APPLIED;
    } finally {
      client.close();
    }
  });
}
