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

/**
 * While the user has a tab open, refreshes the list shortly before it goes stale (so tabs learn
 * of edits made in Vapi itself) and schedules the next one; with no tab, no alarm work. `ready`
 * loads the user's cache first; its failure is retried like a failed refresh.
 */
export async function refreshAhead(
  ctx: DurableObjectState,
  list: { readonly listSyncedAt: number | null },
  config: Pick<Config, "ttlMs" | "refreshAheadMs">,
  ready: () => Promise<void>,
  sync: () => Promise<unknown>,
) {
  if (ctx.getWebSockets().length === 0) return;
  const { ttlMs, refreshAheadMs } = config;
  let next: number | null;
  try {
    await ready();
    const due = refreshDueAt(list.listSyncedAt, ttlMs, refreshAheadMs);
    if (due !== null && Date.now() >= due) await sync();
    next = refreshDueAt(list.listSyncedAt, ttlMs, refreshAheadMs);
  } catch (err) {
    // Vapi down or no key: try again in half a TTL, not at once (that would be a busy loop).
    console.error(JSON.stringify({ level: "warn", msg: "refresh-ahead failed", error: String(err) }));
    next = ttlMs > 0 ? Date.now() + ttlMs / 2 : null;
  }
  if (next !== null) await alarmNoLaterThan(ctx.storage, Math.max(next, Date.now() + 1000));
}
