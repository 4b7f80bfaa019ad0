/** How long cached data may be served, and how. */
export interface FreshnessPolicy {
  ttlMs: number;
  ttlJitter: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
}

export type Freshness =
  /** Serve it; `ttlLeftMs` to go. */
  | { state: "fresh"; ttlLeftMs: number }
  /** Serve it now and refresh in the background. */
  | { state: "revalidate" }
  /** Refresh first; serve it only if the upstream is unavailable. */
  | { state: "stale"; usableOnError: boolean }
  | { state: "absent" };

/** A stable fraction in [0, 1) per key and store time: the same entry always gets the same TTL. */
function spread(key: string, storedAt: number): number {
  let h = 2166136261 ^ storedAt;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  // FNV alone leaves similar keys clustered; murmur3's finalizer spreads them over the range.
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

/** The TTL of one stored item, shortened by up to `ttlJitter` of itself so expiries spread out. */
export const ttlOf = (p: FreshnessPolicy, key: string, storedAt: number) =>
  Math.round(p.ttlMs * (1 - p.ttlJitter * spread(key, storedAt)));

/** Classifies an item stored at `storedAt` (null: nothing stored). */
export function freshness(p: FreshnessPolicy, key: string, storedAt: number | null, now = Date.now()): Freshness {
  if (storedAt === null) return { state: "absent" };
  const ttl = ttlOf(p, key, storedAt);
  const age = now - storedAt;
  if (age < ttl) return { state: "fresh", ttlLeftMs: ttl - age };
  if (age < ttl + p.staleWhileRevalidateMs) return { state: "revalidate" };
  return { state: "stale", usableOnError: age < ttl + p.staleIfErrorMs };
}
