import { CACHE, type Fwd } from "../core/cache-status";
import { ApiError } from "../core/errors";
import { isTransient, UpstreamError } from "../src/vapi/upstream-error";
import type { Freshness } from "./freshness";


/** How a read is answered: the body's flags and the Cache-Status parameters after the cache name. */
export interface Served {
  cached: boolean;
  stale?: true;
  status: string;
}

const CIRCUIT_OPEN = "vapi_circuit_open";

/** What an open circuit answers when no stale data may stand in. */
export const circuitOpen = (retryAfterSeconds: number) =>
  new ApiError(503, CIRCUIT_OPEN, "Vapi has been failing for this user; the cache stops asking it for a moment.", {
    "Retry-After": String(retryAfterSeconds),
  });

export const fwdOf = (noCache: boolean, f: Freshness): Fwd => (noCache ? "request" : f.state === "absent" ? "miss" : "stale");

/**
 * The answer a read gets without asking the upstream first, if any: a fresh hit, or, inside
 * the stale-while-revalidate window, the stale data (the caller then refreshes in the background).
 */
export function servedEarly(f: Freshness, noCache: boolean): Served | undefined {
  if (noCache) return undefined;
  if (f.state === "fresh") return { cached: true, status: `hit; ttl=${Math.floor(f.ttlLeftMs / 1000)}` };
  if (f.state === "revalidate") return { cached: true, stale: true, status: "fwd=stale; detail=stale-while-revalidate" };
  return undefined;
}

/**
 * Whether stale data may stand in for an answer the upstream could not give: only when it is
 * unavailable (never for a refusal such as 404), never for a `no-cache` request, and only
 * within the stale-if-error window.
 */
export function servedOnError(err: unknown, f: Freshness, noCache: boolean): Served | undefined {
  const open = err instanceof ApiError && err.code === CIRCUIT_OPEN;
  if (noCache || !(open || isTransient(err))) return undefined;
  if (f.state !== "revalidate" && !(f.state === "stale" && f.usableOnError)) return undefined;
  if (open) return { cached: true, stale: true, status: "detail=circuit-open" };
  const vapiStatus = err instanceof UpstreamError && err.upstreamStatus ? `; fwd-status=${err.upstreamStatus}` : "";
  return { cached: true, stale: true, status: `fwd=stale${vapiStatus}; detail=stale-if-error` };
}

/**
 * A failure's Cache-Status claims a forward only when the request reached the upstream, and a
 * `fwd-status` only when the upstream answered; otherwise `detail` names the error.
 */
export function failureStatus(err: ApiError, fwd: Fwd): string {
  const detail = `detail=${err.code.replaceAll("_", "-")}`;
  if (!(err instanceof UpstreamError)) return `${CACHE}; ${detail}`;
  const status = err.upstreamStatus === undefined ? detail : `fwd-status=${err.upstreamStatus}`;
  return `${CACHE}; fwd=${fwd}; ${status}`;
}
