import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { mayNeedValue } from '../tree/keys.js';
import type { TreeChange } from '../tree/tree-index.js';
import type { TreeEntry } from '../tree/types.js';
import { silentLogger, type Logger } from '../util/log.js';
import { readSnapshot, type SnapshotReadOptions } from './snapshot.js';

/** Receives the tree: complete snapshots, then batches of watch events, and a warning when the view may be stale. */
export interface TreeSink {
  /** A complete, consistent snapshot of the tree at `revision` replaces everything seen before. */
  onSnapshot(entries: TreeEntry[], revision: bigint): void;
  /** One watch response's events, in revision order; `revision` is the response's header revision. */
  onEvents(events: TreeChange[], revision: bigint): void;
  /** The view may be stale until the next snapshot: act on nothing until then. */
  onStale(reason: string): void;
  /** A page of a snapshot being read (the snapshot itself still comes to onSnapshot): work may start early. */
  onSnapshotPage?(entries: readonly TreeEntry[]): void;
}

/** Options of {@link TreeSource}. */
export interface TreeSourceOptions {
  readonly client: Etcd3;
  /** Without a trailing slash (`/lbManager`); the source reads and watches `<prefix>/`. */
  readonly prefix: string;
  /** How the snapshot is paged. @default {@link readSnapshot}'s */
  readonly paging?: Pick<SnapshotReadOptions, 'firstPageKeys' | 'maxPageKeys'>;
  readonly logger?: Logger;
  /** Delay before retry `attempt` (1-based) of a failed read. @default 200 ms doubling to 5 s, with jitter */
  readonly retryDelayMs?: (attempt: number) => number;
  /** How long a new watch may take to connect before the source re-reads and tries again. @default 10000 */
  readonly watchConnectTimeoutMs?: number;
}

const defaultDelay = (attempt: number): number => {
  const base = Math.min(5000, 200 * 2 ** Math.min(attempt - 1, 10));
  return Math.round(base * (0.8 + Math.random() * 0.4));
};

/**
 * Keeps a sink's view of `<prefix>/` equal to etcd: a paged snapshot, then a watch from the snapshot's revision + 1.
 * On any watch trouble (disconnect, error, compaction) it marks the view stale, cancels the watch, re-reads the whole
 * tree and watches again from the new revision. It never relies on the client library's own resume, which can skip
 * events after a reconnect.
 */
export class TreeSource {
  private readonly client: Etcd3;
  private readonly prefix: string;
  private readonly paging: Pick<SnapshotReadOptions, 'firstPageKeys' | 'maxPageKeys'>;
  private readonly logger: Logger;
  private readonly retryDelay: (attempt: number) => number;
  private readonly connectTimeoutMs: number;
  private watcher: Watcher | undefined;
  private keeper: Watcher | undefined;
  /** True while the current watcher is connected and trusted. */
  private watching = false;
  /** While a resync re-reads under a live watch, its events wait here for the snapshot. */
  private held: TreeChange[] | undefined;
  /** Watchers etcd cancelled (their ids may be reused), and watchers we cancelled. */
  private readonly gone = new WeakSet<Watcher>();
  private readonly cancelled = new WeakSet<Watcher>();
  /** Replaced watchers, cancelled once their successor is connected. */
  private readonly retiring = new Set<Watcher>();
  private generation = 0;
  private reloading: Promise<void> | undefined;
  private reloadAgain: string | undefined;
  private stopped = false;
  private rev = 0n;
  private restarts = 0;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;

  constructor(
    options: TreeSourceOptions,
    private readonly sink: TreeSink,
  ) {
    this.client = options.client;
    this.prefix = options.prefix;
    this.paging = options.paging ?? {};
    this.logger = options.logger ?? silentLogger;
    this.retryDelay = options.retryDelayMs ?? defaultDelay;
    this.connectTimeoutMs = options.watchConnectTimeoutMs ?? 10_000;
  }

  /** The revision of the last snapshot or event delivered. */
  get revision(): bigint {
    return this.rev;
  }

  /** True while a watch is connected and trusted; false while the tree is being read (again). */
  get isWatching(): boolean {
    return this.watching;
  }

  /** Times the watch was restarted after an error, a disconnect or a compaction. */
  get watchRestarts(): number {
    return this.restarts;
  }

  /** Reads the snapshot (retrying until etcd answers), delivers it, then watches. */
  start(): Promise<void> {
    this.keepStreamOpen();
    return this.reload('initial read');
  }

  // etcd3 multiplexes watchers on one gRPC stream and cancels the stream when its last watcher goes, even when etcd
  // cancelled that watcher (a compaction); it then takes its own CANCELLED for a failure of the host and closes every
  // gRPC client, and the leader election's lease keepalive takes the next watch down with it ten seconds later. A
  // watcher that lives as long as the source, on a key nobody writes, keeps the stream from ever losing its last one.
  private keepStreamOpen(): void {
    if (this.stopped) return;
    const w = this.client.watch().key(`${this.prefix}/\0lbmanager-keepalive`).watcher();
    this.keeper = w;
    // etcd may cancel even this one (after a reconnect behind a compaction): open another.
    w.on('error', () => {
      this.gone.add(w);
      if (this.keeper === w) this.keepStreamOpen();
    });
  }

  /**
   * Re-reads the whole tree now. A watch that is up stays up: its events during the read wait and those newer than
   * the snapshot follow it, so nothing is lost and no reconcile pauses. Without a watch, it reads and watches again.
   */
  resync(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reloading) return this.reloading;
    if (!this.watching) return this.reload('resync');
    const run = this.rereadUnderWatch().finally(() => this.reloadFinished());
    this.reloading = run;
    return run;
  }

  /** Stops watching; no sink call happens after this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
    this.cancelWatcher(this.watcher);
    this.retire();
    const keeper = this.keeper;
    this.keeper = undefined;
    this.cancelWatcher(keeper);
    await this.reloading?.catch(() => undefined);
  }

  // One re-read at a time. A request during one joins it; a watch failure during one (the new watch died) asks for
  // another re-read after it.
  private reload(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.reloading) {
      if (reason !== 'resync' && reason !== 'initial read') this.reloadAgain = reason;
      return this.reloading;
    }
    const run = this.readAndWatch(reason).finally(() => this.reloadFinished());
    this.reloading = run;
    return run;
  }

  private reloadFinished(): void {
    this.reloading = undefined;
    const again = this.reloadAgain;
    this.reloadAgain = undefined;
    if (again !== undefined && !this.stopped) void this.reload(again);
  }

  private async rereadUnderWatch(): Promise<void> {
    const generation = this.generation;
    const held: TreeChange[] = [];
    this.held = held;
    try {
      const started = Date.now();
      const snap = await readSnapshot(this.client, this.prefix, this.paging);
      // The watch failed meanwhile: its own re-read, queued behind this one, takes over.
      if (this.stopped || generation !== this.generation) return;
      this.logger.info('tree read', {
        reason: 'resync',
        revision: snap.revision.toString(),
        keys: snap.entries.length,
        ms: Date.now() - started,
      });
      this.held = undefined;
      this.rev = snap.revision;
      this.sink.onSnapshot(snap.entries, snap.revision);
      const newer = held.filter((e) => e.modRevision > snap.revision);
      if (newer.length > 0) this.deliver(newer);
    } finally {
      if (this.held === held) {
        // The read failed: the watch is still up, so deliver what it said meanwhile.
        this.held = undefined;
        if (held.length > 0 && generation === this.generation && !this.stopped) this.deliver(held);
      }
    }
  }

  private async readAndWatch(reason: string): Promise<void> {
    // The old watcher is cancelled only once its replacement is connected (the generation already silences it):
    // etcd3 closes every gRPC client of the host when its last watcher goes, which breaks the lease keepalives of the
    // leader election and, ten seconds later, the new watch.
    const previous = this.watcher;
    this.watcher = undefined;
    this.watching = false;
    if (previous) this.retiring.add(previous);
    for (let attempt = 1; !this.stopped; attempt++) {
      const generation = ++this.generation;
      try {
        const started = Date.now();
        const snap = await readSnapshot(this.client, this.prefix, {
          ...this.paging,
          onPage: (page) => {
            if (!this.stopped && generation === this.generation) this.sink.onSnapshotPage?.(page);
          },
        });
        if (this.stopped || generation !== this.generation) return;
        this.rev = snap.revision;
        this.logger.info('tree read', {
          reason,
          revision: snap.revision.toString(),
          keys: snap.entries.length,
          ms: Date.now() - started,
        });
        this.sink.onSnapshot(snap.entries, snap.revision);
        await this.watchFrom(generation, snap.revision + 1n);
        this.retire();
        return;
      } catch (e) {
        if (this.stopped) return;
        const delay = this.retryDelay(attempt);
        this.logger.warn('reading the tree from etcd failed, retrying', {
          reason,
          attempt,
          retryInMs: delay,
          error: e instanceof Error ? e.message : String(e),
        });
        await this.sleep(delay);
      }
    }
  }

  private async watchFrom(generation: number, startRevision: bigint): Promise<void> {
    // watcher() rather than create(): our listeners are on it from the first moment, so no event or error of it is
    // ever unheard, including when it connects only after we gave up waiting.
    const w = this.client.watch().prefix(`${this.prefix}/`).startRevision(startRevision.toString()).watcher();
    this.watcher = w;
    let connected!: () => void;
    let failed!: (e: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      connected = resolve;
      failed = reject;
    });
    let isConnected = false;
    w.on('connected', () => {
      isConnected = true;
      if (generation === this.generation) this.watching = true;
      connected();
    });
    w.on('data', (res: IWatchResponse) => this.onData(generation, res));
    w.on('disconnected', () => this.fail(generation, 'watch disconnected from etcd'));
    // etcd3 emits 'error' only when etcd cancelled the watcher (a compaction, say). Before it connects, an error fails
    // this attempt (the caller retries); after, it starts a recovery.
    w.on('error', (e: Error) => {
      this.gone.add(w);
      if (isConnected) this.fail(generation, `watch error: ${e.message}`);
      else failed(e);
    });
    w.on('end', () => {
      this.gone.add(w);
      this.fail(generation, 'watch ended');
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the etcd watch did not connect in time')), this.connectTimeoutMs);
    });
    try {
      await Promise.race([ready, timeout]);
    } catch (e) {
      if (this.watcher === w) {
        this.watcher = undefined;
        this.cancelWatcher(w);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  private onData(generation: number, res: IWatchResponse): void {
    if (generation !== this.generation || this.stopped) return;
    if (res.events.length === 0) return;
    const events: TreeChange[] = [];
    for (const ev of res.events) {
      const kv = ev.kv;
      const modRevision = BigInt(kv.mod_revision);
      // Never deliver what the snapshot already holds.
      if (modRevision <= this.rev) continue;
      const key = kv.key.toString('utf8');
      if (ev.type === 'Delete') events.push({ type: 'delete', key, modRevision });
      // A weighted key's value is its weight: a rewrite with a new value re-plans its name.
      else
        events.push({
          type: 'put',
          key,
          modRevision,
          ...(mayNeedValue(key) ? { value: kv.value.toString('utf8') } : {}),
        });
    }
    if (events.length === 0) return;
    if (this.held) {
      this.held.push(...events);
      return;
    }
    this.deliver(events, BigInt(res.header.revision));
  }

  private deliver(events: TreeChange[], revision = 0n): void {
    const last = events[events.length - 1]?.modRevision ?? 0n;
    for (const r of [last, revision]) if (r > this.rev) this.rev = r;
    this.sink.onEvents(events, this.rev);
  }

  private fail(generation: number, reason: string): void {
    if (generation !== this.generation || this.stopped) return;
    // Anything from this watcher from now on is ignored.
    this.generation++;
    this.watching = false;
    this.held = undefined;
    this.restarts++;
    this.logger.warn('etcd watch lost; re-reading the whole tree', { reason, revision: this.rev.toString() });
    this.sink.onStale(reason);
    void this.reload(reason);
  }

  // Not awaited: cancelling a watcher that etcd already cancelled (compaction) or that lost its stream waits for an
  // answer that may take tens of seconds. The generation counter already makes everything it says irrelevant.
  private cancelWatcher(w: Watcher | undefined): void {
    if (w === this.watcher) {
      this.watcher = undefined;
      this.watching = false;
    }
    // Cancelling twice, or cancelling a watcher etcd already cancelled, would send a cancel for its old watch id,
    // which etcd may have given to a newer watcher on a new stream: that one would be cancelled instead.
    if (!w || this.cancelled.has(w)) return;
    this.cancelled.add(w);
    w.removeAllListeners();
    // Keep one listener: a late error from a cancelled watcher must not crash the process.
    w.on('error', () => undefined);
    if (!this.gone.has(w)) w.cancel().catch(() => undefined);
  }

  private retire(): void {
    for (const w of this.retiring) this.cancelWatcher(w);
    this.retiring.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleep = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
