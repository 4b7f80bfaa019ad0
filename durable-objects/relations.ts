import type { Resource } from "../core/resource";
import type { CacheRows } from "../src/db/cache-rows";
import type { HotLayer } from "./hot-layer";
import type { Refresher } from "./refresher";

// Relation-aware invalidation (issue 24). What Vapi does to a phone number or squad when the
// assistant it names is deleted (clears the id, keeps it dangling, refuses) is not documented
// (vapi-resources.md, "Relations": L), so the cache never patches the referencing items itself:
// it stops trusting them, and their next read, and the next list read of their resource, asks Vapi.

/** What a resource's bundle lends the relations: its descriptor, hot layer, fence and rows. */
export interface Referrer {
  readonly resource: Resource;
  readonly hot: HotLayer;
  readonly refresher: Pick<Refresher, "nextWriteSeq" | "forgetList">;
  readonly rows: CacheRows;
}

/**
 * The D1 statements that stop trusting every cached item naming one of `ids` of the resource
 * `gone` (deleted through the service, or found gone by a refresh), in memory at once; the caller
 * adds them to the batch of the change that removed the ids, so D1 follows in the same order.
 *
 * An item whose payload the memory budget dropped cannot be looked into: it is distrusted too.
 */
export function distrustReferrers(
  referrers: readonly Referrer[],
  gone: string,
  ids: readonly string[],
  db: D1Database,
  uid: string,
): D1PreparedStatement[] {
  if (ids.length === 0) return [];
  const removed = new Set(ids);
  const statements: D1PreparedStatement[] = [];
  for (const { resource, hot, refresher, rows } of referrers) {
    const refs = resource.references.filter((r) => r.resource === gone);
    if (refs.length === 0) continue;
    const distrusted: string[] = [];
    for (const id of hot.ids()) {
      const entry = hot.peek(id);
      // guard: relations-referrers-stay-trusted
      const names = !entry || refs.some((r) => r.ids(entry.item).some((ref) => removed.has(ref)));
      if (names && hot.distrust(id, refresher.nextWriteSeq())) distrusted.push(id);
    }
    if (distrusted.length === 0) continue;
    // The list held vouched for these items too: the next list read asks Vapi, and a list read
    // begun before now is not applied (it may predate whatever Vapi did to them).
    // guard: relations-rows-stay-fresh-in-d1
    statements.push(refresher.forgetList(), rows.expire(db, uid, distrusted));
  }
  return statements;
}
