import type { Command } from 'commander';
import { addFlags, type FlagDef } from '../config/flags.js';
import { daemonConfig, ETCD_FLAGS, LOG_FLAGS } from '../config/daemon.js';
import { parseKey } from '../tree/keys.js';
import type { MalformedKey } from '../tree/types.js';
import { maskUrlCredentials } from '../util/mask-url.js';
import { OUTPUT_FLAG, outputFormat } from '../config/output.js';
import { write } from '../util/output.js';

/** Exit codes of `lbmanager validate`. */
export const VALIDATE_EXIT = { clean: 0, malformed: 1, error: 2 } as const;

const FLAGS: readonly FlagDef[] = [...ETCD_FLAGS, ...LOG_FLAGS, OUTPUT_FLAG];

/** Adds `lbmanager validate`: lists the malformed keys of the tree and why. */
export function registerValidateCommand(program: Command): void {
  const cmd = program
    .command('validate')
    .description('list malformed keys under the prefix and why; exit 0 clean, 1 malformed keys found, 2 error');
  addFlags(cmd, FLAGS);
  cmd.action(async () => {
    const config = daemonConfig(cmd);
    const output = outputFormat(cmd);
    const [{ createEtcdClient }, { readSnapshot }] = await Promise.all([
      import('../etcd/client.js'),
      import('../etcd/snapshot.js'),
    ]);
    const client = createEtcdClient(config.etcd);
    let code: number;
    try {
      const snap = await readSnapshot(client, config.prefix);
      const malformed: MalformedKey[] = [];
      for (const e of snap.entries) {
        const r = parseKey(e.key, config.prefix, e.value);
        if (!r.ok) malformed.push(r.value);
      }
      if (output === 'json') {
        await write(
          `${JSON.stringify({ revision: snap.revision.toString(), keys: snap.entries.length, malformed }, null, 2)}\n`,
        );
      } else {
        await write(malformed.map((m) => `${JSON.stringify(m.key)}\t${m.reason}\n`).join(''));
        process.stderr.write(
          `${malformed.length} malformed of ${snap.entries.length} keys under ${config.prefix}/ (revision ${snap.revision})\n`,
        );
      }
      code = malformed.length === 0 ? VALIDATE_EXIT.clean : VALIDATE_EXIT.malformed;
    } catch (e) {
      const why = maskUrlCredentials(e instanceof Error ? e.message : String(e));
      process.stderr.write(`lbmanager validate: cannot read the tree: ${why}\n`);
      code = VALIDATE_EXIT.error;
    } finally {
      client.close();
    }
    process.exit(code);
  });
}
