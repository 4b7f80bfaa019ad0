// How each answer was served, read from the service's `Cache-Status` (RFC 9211, docs/api.md),
// which the SDK does not surface: the page gives the SDK a `fetch` that notes it per path.

export type ServedKind = "hit" | "miss" | "stale" | "revalidated" | "written" | "live";

export interface Served {
  kind: ServedKind;
  /** Seconds the cache will still call it fresh (hits only). */
  ttl?: number;
  /** When this tab received it (ms). */
  at: number;
  /** Free text: who changed it, for pushed changes. */
  detail?: string;
}

/** One answer's `Cache-Status` in the four words a user knows. */
export function parseCacheStatus(header: string | null, at = Date.now()): Served | undefined {
  if (!header) return undefined;
  const ttl = /;\s*ttl=(\d+)/.exec(header)?.[1];
  if (/stale-while-revalidate|stale-if-error|circuit-open/.test(header)) return { kind: "stale", at };
  if (/;\s*hit\b/.test(header)) return { kind: "hit", at, ttl: ttl === undefined ? undefined : Number(ttl) };
  if (/fwd=miss/.test(header)) return { kind: "miss", at };
  if (/fwd=(stale|request)/.test(header)) return { kind: "revalidated", at };
  if (/fwd=method/.test(header)) return { kind: "written", at };
  return undefined;
}

/** Records the last `Cache-Status` per API path of the reads it carries. */
export function recordingFetch(onServed: (path: string, served: Served) => void): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const served = parseCacheStatus(res.headers.get("Cache-Status"));
    if (served && (init?.method ?? "GET") === "GET") onServed(new URL(String(input), location.href).pathname, served);
    return res;
  };
}

/** "from the cache · fresh 287 s more · 12 s ago": what the list shows beside the tag. */
export function describe(s: Served, now = Date.now()): string {
  const age = Math.max(0, Math.round((now - s.at) / 1000));
  const parts = [s.detail ?? labels[s.kind]];
  if (s.ttl !== undefined) parts.push(`fresh ${s.ttl} s more`);
  parts.push(age < 2 ? "just now" : `${age} s ago`);
  return parts.join(" · ");
}

// Beside a tag that names the kind, so they say what it meant.
const labels: Record<ServedKind, string> = {
  hit: "from the cache",
  miss: "read from Vapi",
  stale: "Vapi unavailable: the last version known",
  revalidated: "checked with Vapi",
  written: "your save",
  live: "pushed by the service",
};
