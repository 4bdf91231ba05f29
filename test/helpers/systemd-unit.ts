import { readFileSync } from 'node:fs';

/** A unit file's settings: section -> key -> values in order (keys may repeat). */
export type UnitFile = Map<string, Map<string, string[]>>;

/** Parses a unit file (comments, sections, repeated keys, backslash line continuations). */
export function parseUnit(path: string): UnitFile {
  const text = readFileSync(path, 'utf8').replace(/\\\n/g, ' ');
  const unit: UnitFile = new Map();
  let section: Map<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) {
      section = unit.get(header[1]) ?? new Map<string, string[]>();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`${path}: cannot parse line ${JSON.stringify(line)}`);
    const key = line.slice(0, eq).trim();
    const values = section.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    section.set(key, values);
  }
  return unit;
}

/** The values of a key of the [Service] section. */
export function serviceValues(unit: UnitFile, key: string): string[] {
  return unit.get('Service')?.get(key) ?? [];
}

/** The specifiers the units use: %i (instance), %t (runtime directory root), %d (the credentials directory). */
export interface Specifiers {
  readonly i: string;
  readonly t: string;
  readonly d: string;
}

/** Replaces the specifiers systemd would: %i, %t, %d, and %% for a literal %. */
export function expandSpecifiers(value: string, specifiers: Specifiers): string {
  return value.replace(/%([itd%])/g, (_m, c: string) => (c === '%' ? '%' : specifiers[c as keyof Specifiers]));
}

/** Splits a systemd command line into words, honouring quotes and backslash escapes (systemd.syntax). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    let word = '';
    const quote = line[i] === '"' || line[i] === "'" ? line[i] : undefined;
    if (quote) i++;
    for (; i < line.length; i++) {
      const c = line[i] ?? '';
      if (quote ? c === quote : /\s/.test(c)) {
        if (quote) i++;
        break;
      }
      if (c === '\\' && i + 1 < line.length) {
        i++;
        word += line[i];
      } else word += c;
    }
    words.push(word);
  }
  return words;
}

/** Parses Environment= values (several assignments per line, quoted as in systemd). */
export function parseEnvironment(values: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const v of values) {
    for (const word of splitWords(v)) {
      const eq = word.indexOf('=');
      if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
    }
  }
  return env;
}

/** Reads an EnvironmentFile (KEY=value lines). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq > 0)
      env[line.slice(0, eq).trim()] = line
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** One Exec*= command as systemd would run it. */
export interface ExecCommand {
  readonly argv: string[];
  /** `-` prefix: a failure is ignored. */
  readonly ignoreFailure: boolean;
}

/**
 * Turns an Exec*= value into argv as systemd does: prefixes (`-@:+!`), specifiers, `${VAR}` inside words, `$VAR` as
 * a whole word split on whitespace, `$$` for a literal `$`.
 */
export function execCommand(value: string, env: Record<string, string>, specifiers: Specifiers): ExecCommand {
  const prefix = /^[-@:+!]*/.exec(value)?.[0] ?? '';
  const words = splitWords(expandSpecifiers(value.slice(prefix.length), specifiers));
  const argv: string[] = [];
  for (const w of words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w);
    if (whole?.[1]) {
      argv.push(...(env[whole[1]] ?? '').split(/\s+/).filter((s) => s !== ''));
      continue;
    }
    argv.push(
      w.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string | undefined) =>
        m === '$$' ? '$' : (env[name ?? ''] ?? ''),
      ),
    );
  }
  return { argv, ignoreFailure: prefix.includes('-') };
}

/** A LoadCredential= value: the credential's id and where systemd reads it (an absolute path, or a credstore name). */
export function parseLoadCredential(value: string): { id: string; path: string } {
  const colon = value.indexOf(':');
  return colon < 0 ? { id: value, path: value } : { id: value.slice(0, colon), path: value.slice(colon + 1) };
}

/**
 * Whether a unit's SystemCallFilter= lines let a system call through, as systemd applies them (systemd.exec(5)): the
 * first line decides the mode (an allow list kills everything else, a `~` deny list allows everything else), later
 * lines add to or take from that list in order, an empty line resets. An allow list always includes @default.
 * `expand` lists the system calls of a `@group` (nested groups may appear in its answer).
 */
export function syscallFilter(
  lines: readonly string[],
  expand: (group: string) => string[],
): (name: string) => boolean {
  const flatten = (names: string[], seen = new Set<string>()): string[] =>
    names.flatMap((n) => {
      if (!n.startsWith('@')) return [n];
      if (seen.has(n)) return [];
      seen.add(n);
      return flatten(expand(n), seen);
    });
  let mode: 'allow' | 'deny' | undefined;
  let listed = new Set<string>();
  for (const line of lines) {
    if (line.trim() === '') {
      mode = undefined;
      listed = new Set();
      continue;
    }
    const deny = line.startsWith('~');
    // `name:EPERM` returns an error instead of killing: still not a call that works, so counted as denied.
    const names = flatten(
      line
        .replace(/^~/, '')
        .split(/\s+/)
        .filter((n) => n !== '')
        .map((n) => n.replace(/:.*$/, '')),
    );
    if (mode === undefined) {
      mode = deny ? 'deny' : 'allow';
      if (mode === 'allow') for (const n of flatten(['@default'])) listed.add(n);
    }
    const add = (mode === 'allow') !== deny;
    for (const n of names) {
      if (add) listed.add(n);
      else listed.delete(n);
    }
  }
  return (name) => (mode === undefined ? true : mode === 'allow' ? listed.has(name) : !listed.has(name));
}
