import { isRecoverableError, type Etcd3, type Lease } from 'etcd3';
import { silentLogger, type Logger } from '../util/log.js';
import { prefixRangeEnd } from './snapshot.js';

/** Who may write to AWS and etcd: the leader, or everyone when election is off. */
export interface Leadership {
  /** True while this replica may write. */
  readonly isLeader: boolean;
  /** The campaign key that guards leader-only etcd writes (undefined when election is off). */
  readonly guardKey: string | undefined;
  /** Why this replica cannot take part in the election (it can never lead), or undefined when it can. */
  readonly problem: string | undefined;
  /** Starts campaigning (election) or becomes leader at once (no election). */
  start(): Promise<void>;
  /** Gives up leadership and stops. */
  stop(): Promise<void>;
}

/** Told when this replica becomes leader or stops being leader. */
export type LeadershipListener = (isLeader: boolean, reason: string) => void;

/** `--no-leader-election`: this replica always writes. */
export class NoElection implements Leadership {
  readonly guardKey = undefined;
  readonly problem = undefined;
  private leader = false;
  constructor(private readonly onChange: LeadershipListener) {}
  /** @inheritdoc */
  get isLeader(): boolean {
    return this.leader;
  }
  /** @inheritdoc */
  start(): Promise<void> {
    this.leader = true;
    this.onChange(true, 'leader election is off');
    return Promise.resolve();
  }
  /** @inheritdoc */
  stop(): Promise<void> {
    this.leader = false;
    return Promise.resolve();
  }
}

/** How long after a failed campaign the next one is tried. */
const CAMPAIGN_RETRY_MS = 2000;

/** Options of {@link LeaseElection}. */
export interface LeaseElectionOptions {
  readonly client: Etcd3;
  /** Key prefix of the election, e.g. `/_lbmanager/election/`. */
  readonly prefix: string;
  /** Lease TTL in seconds. */
  readonly ttl: number;
  readonly identity: string;
  readonly logger?: Logger;
  /** How often to check who leads and whether etcd still answers. @default 500 */
  readonly checkIntervalMs?: number;
}

/**
 * The usual etcd election: each replica holds a key on its own lease under the prefix; the key with the lowest create
 * revision leads. A leader whose lease keepalives have not succeeded for half the TTL steps down on its own, before
 * another replica can be elected (after one TTL), so two replicas never write at once. On a lost lease it campaigns
 * again with a new one.
 */
export class LeaseElection implements Leadership {
  private lease: Lease | undefined;
  private key: string | undefined;
  private leader = false;
  private lastKeepAlive = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private checking = false;
  private failingSince: number | undefined;
  private nextCampaignAt = 0;
  private problemText: string | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly options: LeaseElectionOptions,
    private readonly onChange: LeadershipListener,
  ) {
    this.logger = options.logger ?? silentLogger;
  }

  /** @inheritdoc */
  get isLeader(): boolean {
    return this.leader;
  }

  /** @inheritdoc */
  get guardKey(): string | undefined {
    return this.leader ? this.key : undefined;
  }

  /** @inheritdoc */
  get problem(): string | undefined {
    return this.problemText;
  }

  /** @inheritdoc */
  async start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), this.options.checkIntervalMs ?? 500);
    await this.check();
  }

  /** @inheritdoc */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.setLeader(false, 'shutting down');
    const lease = this.lease;
    this.lease = undefined;
    // Revoking deletes our key at once: a standby takes over without waiting for the TTL.
    if (lease) await lease.revoke().catch(() => undefined);
  }

  private setLeader(leader: boolean, reason: string): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.logger.info(leader ? 'elected leader' : 'not the leader any more', {
      action: leader ? 'lead' : 'step-down',
      reason,
      key: this.key,
    });
    this.onChange(leader, reason);
  }

  private async campaign(): Promise<void> {
    const lease = this.options.client.lease(this.options.ttl, { autoKeepAlive: true });
    lease.on('keepaliveSucceeded', () => (this.lastKeepAlive = Date.now()));
    lease.on('lost', (e: Error) => {
      if (this.lease !== lease) return;
      this.logger.warn('election lease lost; campaigning again', { error: e.message });
      this.lease = undefined;
      this.key = undefined;
      this.setLeader(false, 'lease lost');
    });
    const id = await lease.grant();
    const key = `${this.options.prefix}${id}`;
    try {
      await lease.put(key).value(this.options.identity);
    } catch (e) {
      // Without this, every failed campaign would leave a lease kept alive for the life of the process.
      await lease.revoke().catch(() => lease.release());
      throw e;
    }
    this.lastKeepAlive = Date.now();
    this.lease = lease;
    this.key = key;
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      if (!this.lease) {
        if (Date.now() < this.nextCampaignAt) return;
        try {
          await this.campaign();
        } catch (e) {
          // A campaign that failed (no permission, say) is tried again less often than the check runs.
          this.nextCampaignAt = Date.now() + CAMPAIGN_RETRY_MS;
          throw e;
        }
      }
      // Unreachable etcd: keepalives stop succeeding. Half the TTL without one and we stop writing.
      const silentMs = Date.now() - this.lastKeepAlive;
      if (this.leader && silentMs > (this.options.ttl * 1000) / 2) {
        this.setLeader(false, `no lease keepalive for ${Math.round(silentMs / 1000)} s`);
      }
      const start = Buffer.from(this.options.prefix);
      const res = await this.options.client.kv.range({
        key: start,
        range_end: prefixRangeEnd(start),
        sort_order: 'Ascend',
        sort_target: 'Create',
        limit: 1,
      });
      this.works();
      const first = res.kvs[0]?.key.toString('utf8');
      const fresh = Date.now() - this.lastKeepAlive <= (this.options.ttl * 1000) / 2;
      if (first === this.key && fresh) this.setLeader(true, 'holds the oldest campaign key');
      else if (first !== this.key) {
        if (this.leader) this.setLeader(false, 'another replica holds the oldest campaign key');
        // Our key may have expired while etcd was away; the lease will say 'lost', but do not wait for it.
        if (first === undefined || !(await this.ownKeyExists())) {
          this.lease?.release();
          this.lease = undefined;
          this.key = undefined;
        }
      }
    } catch (e) {
      const silentMs = Date.now() - this.lastKeepAlive;
      if (this.leader && silentMs > (this.options.ttl * 1000) / 2) {
        this.setLeader(false, `etcd unreachable for ${Math.round(silentMs / 1000)} s`);
      }
      this.fails(e);
    } finally {
      this.checking = false;
    }
  }

  // A denied permission or a refused login will not pass by itself: say so at once. Anything else may be etcd being
  // away for a moment; it becomes a problem once it has lasted half a TTL, as long as a leader may stay silent.
  private fails(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    const now = Date.now();
    this.failingSince ??= now;
    const lasting =
      !(e instanceof Error && isRecoverableError(e)) || now - this.failingSince > (this.options.ttl * 1000) / 2;
    if (!lasting) {
      this.logger.debug('election check failed', { error: message });
      return;
    }
    const problem = `leader election cannot run under ${this.options.prefix}: ${message}`;
    if (problem !== this.problemText) {
      this.logger.warn('leader election cannot run: this replica will not lead (check its etcd permissions)', {
        action: 'campaign',
        prefix: this.options.prefix,
        error: message,
      });
    }
    this.problemText = problem;
  }

  private works(): void {
    this.failingSince = undefined;
    if (this.problemText === undefined) return;
    this.problemText = undefined;
    this.logger.info('leader election runs again', { action: 'campaign', prefix: this.options.prefix });
  }

  private async ownKeyExists(): Promise<boolean> {
    if (!this.key) return false;
    const res = await this.options.client.kv.range({ key: Buffer.from(this.key), keys_only: true });
    return res.kvs.length > 0;
  }
}
