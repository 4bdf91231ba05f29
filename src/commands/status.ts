import type { Command } from 'commander';
import type { StateJson } from '../admin/state-view.js';
import { renderStatusText } from '../admin/status-table.js';
import { addFlags, resolveFlags, url, type FlagDef } from '../config/flags.js';
import { OUTPUT_FLAG, outputFormat } from '../config/output.js';
import { maskUrlCredentials } from '../util/mask-url.js';
import { write } from '../util/output.js';

/** Exit codes of `lbmanager status`. */
export const STATUS_EXIT = { ready: 0, unreachable: 1, notReady: 2 } as const;

const ADMIN_URL_FLAG: FlagDef = {
  flags: '--admin-url <url>',
  description: "the daemon's admin endpoint (where its --http-listen is)",
  parse: url,
  default: 'http://127.0.0.1:9180',
};

/** How long the daemon has to answer: a wedged one should not hang an operator's shell. */
const TIMEOUT_MS = 10_000;

/** Adds `lbmanager status`: a running daemon's state, as the status page shows it, in the terminal. */
export function registerStatusCommand(program: Command): void {
  const cmd = program
    .command('status')
    .description(
      "a running daemon's state from its admin endpoint: role, readiness, every target; " +
        'exit 0 ready, 2 not ready, 1 the daemon could not be reached',
    );
  addFlags(cmd, [ADMIN_URL_FLAG, OUTPUT_FLAG]);
  cmd.action(async () => {
    const adminUrl = resolveFlags(cmd, [ADMIN_URL_FLAG]).get('admin-url') as string;
    const output = outputFormat(cmd);
    let state: StateJson;
    try {
      state = await readState(adminUrl);
    } catch (e) {
      process.stderr.write(`lbmanager status: ${maskUrlCredentials(e instanceof Error ? e.message : String(e))}\n`);
      process.exit(STATUS_EXIT.unreachable);
    }
    await write(output === 'json' ? `${JSON.stringify(state, null, 2)}\n` : renderStatusText(state));
    process.exit(state.ready ? STATUS_EXIT.ready : STATUS_EXIT.notReady);
  });
}

/** GETs `/state` of the admin endpoint at `adminUrl`; throws one line saying what went wrong and what to check. */
export async function readState(adminUrl: string): Promise<StateJson> {
  const where = `${adminUrl}/state`;
  let res: Response;
  try {
    res = await fetch(where, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (e) {
    throw new Error(`cannot reach the admin endpoint at ${adminUrl}: ${whyUnreachable(e)}`, { cause: e });
  }
  if (!res.ok) {
    throw new Error(`${where} answered ${res.status} ${res.statusText}: is that lbmanager's admin endpoint?`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    throw new Error(`${where} did not answer JSON: is that lbmanager's admin endpoint?`, { cause: e });
  }
  const s = body as Partial<StateJson> | null;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.targets) || typeof s.ready !== 'boolean') {
    throw new Error(`${where} is not the state of an lbmanager daemon (too old a daemon, or another program)`);
  }
  return s as StateJson;
}

// fetch says only "fetch failed"; the reason is in its cause (ECONNREFUSED, ENOTFOUND…) or in the abort.
function whyUnreachable(e: unknown): string {
  if (e instanceof DOMException && e.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = e instanceof Error ? (e.cause as NodeJS.ErrnoException | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused: is lbmanager running, with --http-listen at that address? (--admin-url, LBM_ADMIN_URL)';
    case 'ENOTFOUND':
      return 'no such host (--admin-url, LBM_ADMIN_URL)';
    default:
      return cause?.message ?? (e instanceof Error ? e.message : String(e));
  }
}
