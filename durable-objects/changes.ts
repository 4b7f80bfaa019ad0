import { etagOf } from "./etag";
import type { Change, Origin } from "./event-log";
import type { Entry, HotLayer } from "./hot-layer";

/** What the hot layer holds before a refresh: id → validator, for `externalChanges`. */
export type Snapshot = Map<string, string>;

export function snapshot(hot: HotLayer, ids: string[] = hot.ids()): Snapshot {
  const before: Snapshot = new Map();
  for (const id of ids) {
    const tag = hot.etag(id);
    if (tag !== undefined) before.set(id, tag);
  }
  return before;
}

/**
 * The changes a refresh brought in, for the ids it could touch (all, for a list sync): what
 * Vapi changed behind the cache's back since the cache last saw it.
 */
export function externalChanges(before: Snapshot, hot: HotLayer, ids: string[] = hot.ids()): Change[] {
  const changes: Change[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const tag = hot.etag(id);
    if (tag === undefined) continue;
    seen.add(id);
    const previous = before.get(id);
    // A changed id has its payload in memory: a refresh that changes it brings the new version in.
    const e = previous === tag ? undefined : hot.peek(id);
    if (e) changes.push(changed(hot.resource.name, previous === undefined ? "created" : "updated", e, "vapi"));
  }
  const resource = hot.resource.name;
  for (const id of before.keys()) if (!seen.has(id)) changes.push({ type: "deleted", resource, id, origin: "vapi" });
  return changes;
}

export const changed = (resource: string, type: "created" | "updated", e: Entry, origin: Origin, clientId?: string): Change => ({
  type,
  resource,
  id: e.item.id,
  version: e.version,
  etag: etagOf(e),
  origin,
  clientId,
  item: e.item,
});
