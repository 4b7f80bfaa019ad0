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
