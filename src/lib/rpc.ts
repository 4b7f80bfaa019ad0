// The Worker's RPC adapter: finds the caller's coordinator and turns its answers into responses.
import type { Context } from "hono";
import type { CoordinatorResult } from "../../core/contract";
import { fromFailure } from "../../core/errors";
import { setMetric } from "hono/timing";
import { serverTiming, timingTotal } from "../../core/timing";
import { REPLAYED_HEADER, TEAM_HEADER } from "../../core/protocol";
import type { AppEnv } from "../types";

/** The calling user's coordinator (one Durable Object per JWT `sub`). */
export function coordinator(c: Context<AppEnv>) {
  c.set("rpcStarted", performance.now());
  return c.env.COORDINATOR.getByName(c.var.userId);
}

/**
 * Server-Timing's `rpc`: the call to the coordinator as the Worker saw it, less the coordinator's
 * own phases (`inside`, ms): the hop there and back, and any wait to be let in.
 */
function rpcMetric(c: Context<AppEnv>, inside: number) {
  if (c.var.rpcStarted !== undefined) setMetric(c, "rpc", Math.max(0, performance.now() - c.var.rpcStarted - inside));
}

/** The sum of a Server-Timing header's durations (a failure carries the coordinator's phases as text). */
const durations = (header: string | undefined) =>
  [...(header ?? "").matchAll(/;dur=([\d.]+)/g)].reduce((sum, [, ms]) => sum + Number(ms), 0);

/**
 * Whether the read forces a revalidation with Vapi: `Cache-Control: no-cache` or `max-age=0`, and
 * no `If-None-Match`. The Fetch standard makes browsers and Node add exactly those directives
 * (and `Pragma: no-cache`, never read here) to every request carrying a validator, so on a
 * conditional read they say nothing about the caller's intent: it asks "has my copy changed?",
 * which a fresh cache answers (docs/api.md, "Request headers").
 */
export const noCache = (c: Context<AppEnv>) =>
  // guard: a-conditional-read-forces-a-revalidation
  c.req.header("If-None-Match") === undefined &&
  // guard: max-age-0-does-not-force-a-revalidation
  /(^|,)\s*(no-cache|max-age=0)\s*(,|$)/i.test(c.req.header("Cache-Control") ?? "");

/**
 * Turns a coordinator result into the response. The body was serialized once by the coordinator
 * and is forwarded as is (a hit re-serializes nothing); failures go to the one error handler.
 */
export function forward(c: Context<AppEnv>, result: CoordinatorResult): Response {
  if (!result.ok) {
    rpcMetric(c, durations(result.error.headers?.["Server-Timing"]));
    throw fromFailure(result.error);
  }
  const { answer } = result;
  rpcMetric(c, timingTotal(answer.timing));
  const headers: Record<string, string> = {
    "Cache-Status": answer.cacheStatus,
    "Server-Timing": serverTiming(answer.timing),
    // Per user, and only reusable after revalidation: browsers send If-None-Match instead of reusing it.
    "Cache-Control": "private, no-cache",
  };
  if (answer.etag) headers.ETag = answer.etag;
  if (answer.replayed) headers[REPLAYED_HEADER] = "true";
  if (answer.team) headers[TEAM_HEADER] = answer.team;
  if (answer.status === 304) return c.body(null, 304, headers);
  return c.body(answer.body, answer.status, { ...headers, "Content-Type": "application/json; charset=utf-8" });
}

/** The request's validators, for the coordinator (which compares them inside its serialized paths). */
export const conditions = (c: Context<AppEnv>) => ({
  ifNoneMatch: c.req.header("If-None-Match"),
  ifMatch: c.req.header("If-Match"),
});
