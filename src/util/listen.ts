/** Parses `host:port` (IPv6 hosts in brackets). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`expected host:port such as 127.0.0.1:9180, or off, got "${listen}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
