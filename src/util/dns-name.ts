const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Normalises a DNS name as lbmanager compares them: lower case, no trailing dot. Labels are 1-63 letters, digits, hyphens
 * or underscores, not starting or ending with a hyphen; a leading `*.` wildcard is allowed; at least two labels, at
 * most 253 characters. Returns undefined when the name is not valid.
 */
export function normaliseFqdn(s: string): string | undefined {
  if (s.length === 0 || s.length > 254) return undefined;
  const name = (s.endsWith('.') ? s.slice(0, -1) : s).toLowerCase();
  if (name.length === 0 || name.length > 253) return undefined;
  const labels = name.split('.');
  if (labels.length < 2) return undefined;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as string;
    if (i === 0 && label === '*') continue;
    if (!LABEL.test(label)) return undefined;
  }
  return name;
}

/** Decodes Route53's `\NNN` octal escapes (`\052` is `*`), lower-cases and strips the trailing dot. */
export function decodeRoute53Name(s: string): string {
  const decoded = s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  return (decoded.endsWith('.') ? decoded.slice(0, -1) : decoded).toLowerCase();
}

/** Encodes a name the way Route53 returns it: `*` and other characters outside a-z0-9-_. as `\NNN`, trailing dot. */
export function encodeRoute53Name(name: string): string {
  const lower = name.toLowerCase();
  const withDot = lower.endsWith('.') ? lower : `${lower}.`;
  return withDot.replace(/[^a-z0-9\-_.]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/**
 * Orders names as Route53 lists them: by their escaped form (`*` as `\052`), labels compared from the last one
 * (`com`, then `example`, then `www`), a name before the names below it.
 */
export function compareRoute53Names(a: string, b: string): number {
  const la = encodeRoute53Name(a).slice(0, -1).split('.').reverse();
  const lb = encodeRoute53Name(b).slice(0, -1).split('.').reverse();
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const x = la[i] as string;
    const y = lb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la.length - lb.length;
}
