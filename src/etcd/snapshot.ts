import type { Etcd3 } from 'etcd3';
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

/**
 * Reads every key under `<prefix>/` in pages, every page pinned to the revision of the first, so the result is one
 * consistent snapshot of any size (a single read of 100,000 keys exceeds gRPC's 4 MiB limit). Keys only: values are
 * ignored by lbmanager, and leaving them out keeps pages small. `onPage` sees each page as it arrives.
 */
export async function readSnapshot(
  client: Etcd3,
  prefix: string,
  pageSize = 5000,
  onPage?: (entries: readonly TreeEntry[]) => void,
): Promise<Snapshot> {
  const start = Buffer.from(`${prefix}/`);
  const rangeEnd = prefixRangeEnd(start);
  const page = (key: Buffer, revision?: string) =>
    client.kv.range({
      key,
      range_end: rangeEnd,
      limit: pageSize,
      keys_only: true,
      ...(revision !== undefined ? { revision } : {}),
    });
  const entries: TreeEntry[] = [];
  let res = await page(start);
  const revision = res.header.revision;
  for (;;) {
    // The next page is asked for before this one is handled, so etcd serves it while this process converts and
    // parses: the read takes about as long as etcd alone.
    const last = res.kvs[res.kvs.length - 1];
    const next = res.more && last ? page(Buffer.concat([last.key, Buffer.from([0])]), revision) : undefined;
    // Handled below; without this, a throwing onPage would leave its rejection unhandled.
    next?.catch(() => undefined);
    const got: TreeEntry[] = res.kvs.map((kv) => ({
      key: kv.key.toString('utf8'),
      modRevision: BigInt(kv.mod_revision),
    }));
    for (const e of got) entries.push(e);
    onPage?.(got);
    if (!next) break;
    res = await next;
  }
  return { entries, revision: BigInt(revision) };
}
