/** What one API call answered, for the HTTP response and the call log. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: string;
  /** The load balancer, target group or zone the call was about. */
  readonly target: string;
  /** Members registered/deregistered, or record sets changed. */
  readonly members?: string[];
}

/** An AWS error answer. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target = '',
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

/** `Prefix.member.N` values of a Query request, in order. */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const out: Array<[number, string]> = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)$`);
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** `Prefix.member.N.Field` structures of a Query request, in order. */
export function structListParam(params: URLSearchParams, prefix: string): Array<Record<string, string>> {
  const byIndex = new Map<number, Record<string, string>>();
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)\\.(\\w+)$`);
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    let item = byIndex.get(i);
    if (!item) byIndex.set(i, (item = {}));
    item[m[2] as string] = v;
  }
  return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** A required parameter, or a ValidationError naming it. */
export function required(params: URLSearchParams, name: string): string {
  const v = params.get(name);
  if (v === null || v === '')
    throw new ApiError(
      400,
      'ValidationError',
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  return v;
}

/** Marker/PageSize paging over a list. */
export function page<T>(items: readonly T[], params: URLSearchParams, max = 400): { items: T[]; nextMarker?: string } {
  const size = Math.min(max, Math.max(1, Number(params.get('PageSize') ?? max) || max));
  const start = Number(params.get('Marker') ?? '0') || 0;
  const slice = items.slice(start, start + size);
  return start + size < items.length ? { items: slice, nextMarker: String(start + size) } : { items: slice };
}

/** A valid EC2 instance id. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
