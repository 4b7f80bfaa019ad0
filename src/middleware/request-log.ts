import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
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

/**
 * One JSON line per request, for `wrangler tail` and Workers Logs: route, status, how the cache
 * answered, durations and a hashed user id. Never headers, bodies, keys or tokens.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = Date.now();
  await next();
  const userId = c.get("userId");
  console.log(
    JSON.stringify({
      msg: "request",
      method: c.req.method,
      route: routePath(c, -1),
      status: c.res.status,
      cache: c.res.headers.get("Cache-Status")?.replace(/^vapi-edge-cache; /, "") ?? null,
      durationMs: Date.now() - started,
      ...timings(c.res.headers.get("Server-Timing")),
      user: userId ? await hashUser(userId) : null,
    }),
  );
});
