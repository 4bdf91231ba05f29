import { workKey, type Target } from '../tree/types.js';

/** What a queue key stands for: one load balancer or target group, or the dirty names of one hosted zone. */
export type WorkItem =
  | { readonly kind: 'group'; readonly id: string }
  | { readonly kind: 'zone'; readonly zoneId: string; readonly names: Set<string> };

/**
 * The work queue's keys and what each stands for. A load balancer or target group is its own key; every name of a
 * hosted zone shares the zone's key, and the item remembers which names were marked, so one reconcile writes them in
 * one change batch.
 */
export class WorkItems {
  private readonly items = new Map<string, WorkItem>();

  /** Records that target `id` needs a reconcile; returns the queue key it runs under. */
  mark(id: string, t: Target): string {
    const key = workKey(t);
    if (t.kind === 'route53') {
      const item = this.items.get(key);
      if (item?.kind === 'zone') item.names.add(id);
      else this.items.set(key, { kind: 'zone', zoneId: t.zoneId, names: new Set([id]) });
    } else if (!this.items.has(key)) this.items.set(key, { kind: 'group', id });
    return key;
  }

  /** The item a queue key stands for. */
  get(key: string): WorkItem | undefined {
    return this.items.get(key);
  }

  /** Whether the key is a hosted zone's. */
  isZone(key: string): boolean {
    return this.items.get(key)?.kind === 'zone';
  }

  /**
   * Takes the names of a zone marked so far (those marked from now on wait for the next run), runs `sync` on them
   * and, if it throws, gives them back so the retry reconciles them with whatever was marked meanwhile.
   */
  async drainZone(key: string, sync: (ids: readonly string[]) => Promise<void>): Promise<void> {
    const item = this.items.get(key);
    if (item?.kind !== 'zone') return;
    const ids = [...item.names];
    item.names.clear();
    try {
      await sync(ids);
    } catch (error) {
      for (const id of ids) item.names.add(id);
      throw error;
    } finally {
      if (item.names.size === 0 && this.items.get(key) === item) this.items.delete(key);
    }
  }

  /** Forgets a load balancer's or target group's item (it left the tree and AWS). */
  forgetGroup(t: Target): void {
    const key = workKey(t);
    if (this.items.get(key)?.kind === 'group') this.items.delete(key);
  }
}
