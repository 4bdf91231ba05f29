import type { ServerResponse } from 'node:http';
import type { TargetStatus } from '../reconcile/reconciler.js';
import { targetJson, type StateHeader } from './state-view.js';

/** What the stream reads once a tick: the header and every target's status (not copied). */
export interface StateStreamSource {
  header(): StateHeader;
  statuses(): Iterable<Readonly<TargetStatus>>;
}

/** A target as last sent: the status fields it was made from, and its JSON. */
interface Sent {
  readonly fields: readonly unknown[];
  readonly json: string;
}

// A reconcile replaces a status's fields rather than editing them (reconcile/group-sync.ts, zone-sync.ts), so the same
// references mean the same target and its JSON is not made again: a quiet tick over 6,000 targets costs about a
// millisecond instead of tens. Array lengths are compared too, should a field ever be edited in place.
const fieldsOf = (s: Readonly<TargetStatus>): unknown[] => [
  s.activeClass,
  s.desired,
  s.weights,
  s.desired.length,
  s.actual,
  s.actual?.length,
  s.lastSyncAt,
  s.lastError,
  s.rejected,
  s.rejected.length,
  s.keptByPolicy,
  s.keptByPolicy.length,
  s.heldRemovals,
  s.heldRemovals.length,
  s.conflicts,
  s.conflicts.length,
];

const sameFields = (a: readonly unknown[], b: readonly unknown[]): boolean => a.every((v, i) => v === b[i]);

/** Options of {@link StateStream}. */
export interface StateStreamOptions {
  /** How often changes are sent. @default 1000 */
  readonly intervalMs?: number;
  /** More open streams than this are refused (each holds a socket and, while slow, its unsent data). @default 32 */
  readonly maxClients?: number;
  /** A client this far behind (unsent bytes) is dropped; its browser reconnects and starts from a full state. */
  readonly maxBufferedBytes?: number;
}

/**
 * `GET /events`: the state as server-sent events, for the status page. The first message holds every target
 * (`full: true`); each later one, once a second, the header and only the targets that changed or went. One
 * serialisation per tick serves every client, and nothing runs while no page is open (each target's JSON is kept for
 * the next one). Events rather than polling `/state`: with 6,000 targets `/state` is megabytes, while a quiet tick is a
 * few hundred bytes.
 */
export class StateStream {
  private readonly clients = new Set<ServerResponse>();
  /** Each target as last sent, by id: what the next tick compares with. */
  private sent = new Map<string, Sent>();
  private header: StateHeader | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly intervalMs: number;
  private readonly maxClients: number;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly source: StateStreamSource,
    options: StateStreamOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxClients = options.maxClients ?? 32;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  }

  /** Starts an event stream on `res`; false (nothing written) when too many are open already. */
  add(res: ServerResponse): boolean {
    if (this.clients.size >= this.maxClients) return false;
    // The first client starts the ticks; later ones get the state the others already have, then the same changes.
    if (this.clients.size === 0) this.tick();
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    const targets = `[${[...this.sent.values()].map((s) => s.json).join(',')}]`;
    // `retry`: how soon the browser reconnects after the daemon restarts.
    res.write(`retry: 2000\ndata: ${this.message(true, targets, [])}\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stop();
    });
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    return true;
  }

  /** Ends every stream and stops ticking. */
  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
    this.stop();
  }

  // What was sent stays: the next page to open then costs only the targets that changed meanwhile.
  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.header = this.source.header();
    const next = new Map<string, Sent>();
    const changed: string[] = [];
    for (const s of this.source.statuses()) {
      const before = this.sent.get(s.id);
      const fields = fieldsOf(s);
      if (before && sameFields(before.fields, fields)) {
        next.set(s.id, before);
        continue;
      }
      const json = JSON.stringify(targetJson(s));
      next.set(s.id, { fields, json });
      if (before?.json !== json) changed.push(json);
    }
    const removed = [...this.sent.keys()].filter((id) => !next.has(id));
    this.sent = next;
    if (this.clients.size === 0) return;
    // Sent even when no target changed: the header carries the daemon's clock, which tells the page it is live.
    const data = `data: ${this.message(false, `[${changed.join(',')}]`, removed)}\n\n`;
    for (const res of this.clients) {
      if (res.writableLength > this.maxBufferedBytes) res.destroy();
      else res.write(data);
    }
  }

  private message(full: boolean, targets: string, removed: readonly string[]): string {
    // Spliced rather than stringified again: the targets are already JSON.
    const header = JSON.stringify(this.header);
    return `{"full":${full},"header":${header},"targets":${targets},"removed":${JSON.stringify(removed)}}`;
  }
}
