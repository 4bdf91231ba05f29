import { escapeControlChars } from '../util/control-chars.js';
import { CONDITION_WORDS, CONDITIONS, HELD_BY, type StateJson, type TargetJson } from './state-view.js';

// `lbmanager status` in a terminal: what the status page shows, as text. One line per target (grep-able), the most
// urgent first, every value with its control characters escaped: a key or an AWS message cannot move the cursor.

const rank = (t: TargetJson): number => {
  const i = CONDITIONS.indexOf(t.condition);
  return i < 0 ? CONDITIONS.length : i;
};

/** Targets in the order the page lists them: failing and held first, then by id. */
function byUrgency(a: TargetJson, b: TargetJson): number {
  return rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** How long ago `iso` was, by the daemon's clock (`now`): `5 s ago`, `3 min ago`, `never`. */
function age(iso: string | null, now: string): string {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.round((Date.parse(now) - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

function drift(t: TargetJson): string {
  const d = t.drift;
  if (d === null) return 'unknown';
  if (d.missing + d.extra === 0) return 'none';
  return [d.missing > 0 ? `${d.missing} missing` : '', d.extra > 0 ? `${d.extra} extra` : '']
    .filter(Boolean)
    .join(', ');
}

function notes(t: TargetJson): string {
  const out: string[] = [];
  if (t.lastError) out.push(`${t.lastError.code}: ${t.lastError.message}`);
  if (t.heldRemovals.length > 0) out.push(`${plural(t.heldRemovals.length, 'removal')} held`);
  for (const c of t.conflicts) out.push(`${c.type} is held by ${HELD_BY[c.with] ?? c.with}`);
  if (t.rejected.length > 0) out.push(`rejected by AWS: ${t.rejected.join(', ')}`);
  if (t.keptByPolicy.length > 0) out.push(`${plural(t.keptByPolicy.length, 'member')} kept by the policy`);
  return out.join('; ');
}

/** Lines of cells as columns two spaces apart; `right` columns aligned right; the last column is not padded. */
function columns(cells: readonly string[][], right: ReadonlySet<number>): string[] {
  // Escaped first, so the widths are those of what the terminal shows.
  const rows = cells.map((r) => r.map(escapeControlChars));
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => {
        if (i === r.length - 1) return cell;
        const w = widths[i] ?? 0;
        return right.has(i) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd(),
  );
}

/** The state of a daemon (its `/state`) as the terminal shows it: the replica, then one line per target. */
export function renderStatusText(state: StateJson): string {
  const w = state.watch;
  const watch = w ? `${w.watching ? 'up' : 'down, reading the tree'}, ${plural(w.restarts, 'restart')}` : 'unknown';
  const hold = state.removalHold;
  const lines = columns(
    [
      ['replica', `${state.identity ?? '(unnamed)'} (${state.role})`],
      ['readiness', state.ready ? 'ready' : `not ready: ${state.notReadyReason ?? ''}`],
      // The hold is often why the daemon is not ready: said once.
      ...(hold.held && hold.reason !== state.notReadyReason ? [['held', hold.reason ?? '']] : []),
      ['tree', `revision ${state.revision}, etcd watch ${watch}`],
      ['full sync', age(state.lastFullSync, state.now)],
      ['malformed', state.malformedKeys > 0 ? `${plural(state.malformedKeys, 'key')} (lbmanager validate)` : 'none'],
    ],
    new Set(),
  );
  lines.push('');
  const targets = [...state.targets].sort(byUrgency);
  if (targets.length === 0) {
    lines.push(
      state.role === 'standby' ? 'No targets: a standby reconciles nothing (the leader lists them).' : 'No targets.',
    );
  } else {
    const header = ['STATE', 'TARGET', 'CLASS', 'DESIRED', 'IN AWS', 'DRIFT', 'LAST SYNC', 'NOTES'];
    const rows = targets.map((t) => [
      CONDITION_WORDS[t.condition] ?? t.condition,
      t.id,
      t.activeClass ?? 'no keys',
      String(t.desired.length),
      t.actual === null ? '?' : String(t.actual.length),
      drift(t),
      age(t.lastSync, state.now),
      notes(t),
    ]);
    lines.push(...columns([header, ...rows], new Set([3, 4])));
    const counts = CONDITIONS.map((c) => [c, targets.filter((t) => t.condition === c).length] as const);
    lines.push(
      '',
      `${plural(targets.length, 'target')}: ` +
        counts
          .filter(([, n]) => n > 0)
          .map(([c, n]) => `${n.toLocaleString('en')} ${CONDITION_WORDS[c]}`)
          .join(', '),
    );
  }
  return `${lines.map(escapeControlChars).join('\n')}\n`;
}
