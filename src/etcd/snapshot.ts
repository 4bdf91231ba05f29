import type { Etcd3 } from 'etcd3';
import { mayNeedValue } from '../tree/keys.js';
import type { TreeEntry } from '../tree/types.js';

/** A snapshot of the tree. */
export interface Snapshot {
  readonly entries: TreeEntry[];
  readonly revision: bigint;
}

/** `/lbManager/` -> `/lbManager0`: the end of the range holding every key that starts with the prefix. */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** The fewest pages the rest of a snapshot comes in: each page is decoded whole, so smaller pages make a lower peak. */
const MIN_PAGES = 4;

/** Options of {@link readSnapshot}. */
export interface SnapshotReadOptions {
  /** Keys of the first page: small, so that work can start on it while etcd serves the rest. @default 5000 */
  readonly firstPageKeys?: number;
  /** The most keys one later page holds. @default 200000 */
  readonly maxPageKeys?: number;
  /** Sees each page as it arrives. */
  readonly onPage?: (entries: readonly TreeEntry[]) => void;
}

/**
 * Reads every key under `<prefix>/` in pages, every page pinned to the revision of the first, so the result is one
 * consistent snapshot of any size. Keys only: lbmanager ignores the values of all but `weighted` keys, and leaving them
 * out keeps pages small whatever units store there; the weights are then read at the same revision ({@link readWeights}).
 *
 * Few, large pages: etcd answers a range with a limit only after walking the whole rest of the range (it counts the
 * keys left, measured on 3.4: a page of 10,000 from the start of a 1,000,000-key range takes 0.5 s, from near its end
 * 0.05 s), so pages of a fixed small size make the read quadratic in the tree's size (28 s at 1,000,000 keys). The
 * first page is small and says how many keys there are; the rest comes in a few pages: at least {@link MIN_PAGES}, so that
 * no one decoded page holds the whole tree (B1's peak RSS: 350 MB with the rest in one page, 265 MB in four), and as
 * many more as `maxPageKeys` needs.
 */
export async function readSnapshot(
  client: Etcd3,
  prefix: string,
  options: SnapshotReadOptions = {},
): Promise<Snapshot> {
  const firstPageKeys = options.firstPageKeys ?? 5000;
  const maxPageKeys = Math.max(firstPageKeys, options.maxPageKeys ?? 200_000);
  const start = Buffer.from(`${prefix}/`);
  const rangeEnd = prefixRangeEnd(start);
  const page = (key: Buffer, limit: number, revision?: string) =>
    client.kv.range({
      key,
      range_end: rangeEnd,
      limit,
      keys_only: true,
      ...(revision !== undefined ? { revision } : {}),
    });
  const entries: TreeEntry[] = [];
  let res = await page(start, firstPageKeys);
  const revision = res.header.revision;
  // `count` is every key of the range at this revision, this page's included: the rest split evenly.
  const rest = Math.max(0, Number(res.count) - res.kvs.length);
  const pages = Math.max(MIN_PAGES, Math.ceil(rest / maxPageKeys));
  const pageKeys = rest === 0 ? firstPageKeys : Math.max(1, Math.ceil(rest / pages));
  for (;;) {
    // The next page is asked for before this one is handled, so etcd serves it while this process converts and
    // parses: the read takes about as long as etcd alone.
    const last = res.kvs[res.kvs.length - 1];
    const next = res.more && last ? page(Buffer.concat([last.key, Buffer.from([0])]), pageKeys, revision) : undefined;
    // Handled below; without this, a throwing onPage would leave its rejection unhandled.
    next?.catch(() => undefined);
    const got: TreeEntry[] = res.kvs.map((kv) => ({
      key: kv.key.toString('utf8'),
      modRevision: BigInt(kv.mod_revision),
    }));
    for (const e of got) entries.push(e);
    options.onPage?.(got);
    if (!next) break;
    res = await next;
  }
  return { entries: await readWeights(client, entries, revision), revision: BigInt(revision) };
}

/** Keys per page of a weights read: small, as values can be anything up to etcd's request limit (1.5 MiB). */
const WEIGHT_PAGE = 100;
/** Weights reads at once. */
const WEIGHT_READS = 8;

/**
 * Fills in the values of the `weighted` keys among `entries`, read at `revision`: one paged range per name and
 * class (`…/<fqdn>/weighted/`), so a tree without weighted keys costs nothing more, and one with them one request per
 * weighted name (100 members, AWS's limit per name and type, fit in a page). A page too large for gRPC (someone
 * stored megabytes in weighted keys) is read again key by key: a bad value makes a malformed key, never an unreadable
 * tree.
 */
async function readWeights(client: Etcd3, entries: TreeEntry[], revision: string): Promise<TreeEntry[]> {
  const groups = new Set<string>();
  for (const e of entries) if (mayNeedValue(e.key)) groups.add(e.key.slice(0, e.key.lastIndexOf('/') + 1));
  if (groups.size === 0) return entries;
  const values = new Map<string, string>();
  const queue = [...groups];
  const worker = async (): Promise<void> => {
    for (let g = queue.shift(); g !== undefined; g = queue.shift()) await readGroup(client, g, revision, values);
  };
  await Promise.all(Array.from({ length: Math.min(WEIGHT_READS, queue.length) }, worker));
  return entries.map((e) => {
    const value = mayNeedValue(e.key) ? values.get(e.key) : undefined;
    return value === undefined ? e : { ...e, value };
  });
}

async function readGroup(client: Etcd3, group: string, revision: string, out: Map<string, string>): Promise<void> {
  const end = prefixRangeEnd(Buffer.from(group));
  let start = Buffer.from(group);
  for (;;) {
    const range = { key: start, range_end: end, revision };
    let res;
    try {
      res = await client.kv.range({ ...range, limit: WEIGHT_PAGE });
    } catch (e) {
      if (!tooLarge(e)) throw e;
      res = await client.kv.range({ ...range, limit: 1 });
    }
    for (const kv of res.kvs) out.set(kv.key.toString('utf8'), kv.value.toString('utf8'));
    const last = res.kvs[res.kvs.length - 1];
    if (!res.more || !last) return;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

/** gRPC refused an answer over its message limit. */
function tooLarge(e: unknown): boolean {
  return /larger than max|RESOURCE_EXHAUSTED/i.test(e instanceof Error ? e.message : String(e));
}
