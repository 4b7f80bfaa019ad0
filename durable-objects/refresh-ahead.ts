import type { Config } from "../core/config";
import { alarmNoLaterThan } from "./alarm";

/**
 * When an open tab's list should be refreshed: shortly (`aheadMs`) before it goes stale, but
 * never more often than every half TTL, so a short TTL cannot turn the alarm into a busy loop.
 * Null when nothing should be scheduled (no caching at all).
 */
export function refreshDueAt(listSyncedAt: number | null, ttlMs: number, aheadMs: number): number | null {
  if (ttlMs <= 0) return null;
  if (listSyncedAt === null) return Date.now();
  return listSyncedAt + Math.max(ttlMs - aheadMs, ttlMs / 2);
}

/** One resource's list as refresh-ahead sees it (a bundle: durable-objects/bundle.ts). */
export interface AheadList {
  readonly listSyncedAt: number | null;
  /** Refreshed even while never synced: the list a login warms (the registry's first resource). */
  readonly warm: boolean;
  /** The one list flight of the read path. */
  sync(): Promise<unknown>;
}

/**
 * While the user has a tab open, refreshes each list shortly before it goes stale (so tabs learn
 * of edits made in Vapi itself) and schedules the next one; with no tab, no alarm work. A list is
 * refreshed once it has been synced (someone reads it), or when it is the one a login warms.
 * `ready` loads the user's cache first; its failure is retried like a failed refresh.
 */
export async function refreshAhead(
  ctx: DurableObjectState,
  lists: readonly AheadList[],
  config: Pick<Config, "ttlMs" | "refreshAheadMs">,
  ready: () => Promise<void>,
) {
  if (ctx.getWebSockets().length === 0) return;
  let next: number | null = null;
  try {
    await ready();
    for (const list of lists) {
      if (!list.warm && list.listSyncedAt === null) continue;
      const due = await refreshOne(list, config);
      if (due !== null) next = Math.min(next ?? due, due);
    }
  } catch (err) {
    next = retryAfterFailure(err, config.ttlMs);
  }
  if (next !== null) await alarmNoLaterThan(ctx.storage, Math.max(next, Date.now() + 1000));
}

/** Refreshes `list` if it is due; when its next refresh is due (null: never). */
async function refreshOne(list: AheadList, { ttlMs, refreshAheadMs }: Pick<Config, "ttlMs" | "refreshAheadMs">) {
  try {
    const due = refreshDueAt(list.listSyncedAt, ttlMs, refreshAheadMs);
    if (due !== null && Date.now() >= due) await list.sync();
    return refreshDueAt(list.listSyncedAt, ttlMs, refreshAheadMs);
  } catch (err) {
    return retryAfterFailure(err, ttlMs);
  }
}

/** Vapi down or no key: try again in half a TTL, not at once (that would be a busy loop). */
function retryAfterFailure(err: unknown, ttlMs: number): number | null {
  console.error(JSON.stringify({ level: "warn", msg: "refresh-ahead failed", error: String(err) }));
  return ttlMs > 0 ? Date.now() + ttlMs / 2 : null;
}
