import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import { configFor } from "../../core/config";
import type { AppEnv } from "../types";

const hashes = new Map<string, string>();

/** A stable, non-reversible id for a user in logs: never the `sub` itself. */
async function hashUser(sub: string): Promise<string> {
  let hash = hashes.get(sub);
  if (!hash) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sub));
    hash = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (hashes.size >= 10_000) hashes.clear();
    hashes.set(sub, hash);
  }
  return hash;
}

const timings = (header: string | null) =>
  Object.fromEntries(
    [...(header ?? "").matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, dur]) => [`${name}Ms`, Number(dur)]),
  );

/** Answers that carry no news: cache hits, unchanged revalidations, a healthy health check. */
const routine = (status: number, cache: string | null, route: string) =>
  status === 304 || (status === 200 && (cache?.startsWith("hit") || route === "/healthz"));

/**
 * One JSON line per miss, write, error and slow request, for `wrangler tail` and Workers Logs:
 * route, status, how the cache answered, durations and a hashed user id. Routine answers (hits)
 * are counted in the stats and logged only when sampled (`LOG_HIT_SAMPLE_RATE`), so log volume
 * follows information, not traffic. Never headers, bodies, keys or tokens.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const durationMs = Date.now() - started;
  const route = routePath(c, -1);
  const cache = c.res.headers.get("Cache-Status")?.replace(/^vapi-edge-cache; /, "") ?? null;
  const { logHitSampleRate, logSlowMs } = configFor(c.env);
  let sampled: number | undefined;
  if (routine(c.res.status, cache, route) && durationMs < logSlowMs) {
    if (Math.random() >= logHitSampleRate) return;
    sampled = logHitSampleRate;
  }
  const userId = c.get("userId");
  console.log(
    JSON.stringify({
      msg: "request",
      method: c.req.method,
      route,
      status: c.res.status,
      cache,
      durationMs,
      ...timings(c.res.headers.get("Server-Timing")),
      user: userId ? await hashUser(userId) : null,
      ...(sampled === undefined ? {} : { sampled }),
    }),
  );
});
