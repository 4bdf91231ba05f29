// The one place that hides credentials written into URLs (`https://user:pw@host`): every log line, error message and
// printed endpoint goes through here, so a password in an endpoint never reaches a terminal, a journal or a ticket.

// scheme://user:password@ — the password runs to the last `@` before the path, so a raw `@` in it is masked too.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):[^\s/?#]*@/gi;

/** Masks the password of every URL in a text: `https://user:pw@host:2379` -> `https://user:***@host:2379`. */
export function maskUrlCredentials(text: string): string {
  return text.replace(USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

/** True when a URL carries a user name or a password (`https://user:pw@host`). */
export function hasUrlCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  }
}

/** A copy of a log value with every string in it masked (arrays and plain objects walked, to a depth of 8). */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskUrlCredentials(value);
  if (depth >= 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}
