import type { Config } from "../core/config";
import type { CacheAnswer, CoordinatorResult } from "../core/contract";
import { ApiError } from "../core/errors";
import { newTiming, type Timing, timingTotal } from "../core/timing";
import { failed, type Trace } from "./answers";
import type { ResourceBudget } from "./memory-budget";
import type { RateLimiter } from "./rate-limiter";
import type { Counters } from "./stats";

/** What every cache RPC needs around its work (its resource's budget view and counters). */
export interface FrameDeps {
  ready: (userId: string) => Promise<void>;
  limiter: RateLimiter<"writes" | "revalidations" | "socket opens">;
  budget: ResourceBudget;
  stats: Counters;
  config: () => Config;
}

/**
 * Runs one cache RPC: readiness, the write limit, timing, the memory budget (with the payload of
 * `id`, if given, in memory while it runs), and expected failures returned as values (not thrown).
 */
export async function framed(
  d: FrameDeps,
  userId: string,
  kind: "read" | "write",
  work: (timing: Timing, trace: Trace) => Promise<CacheAnswer>,
  id?: string,
): Promise<CoordinatorResult> {
  const timing = newTiming();
  const trace: Trace = { fwd: kind === "write" ? "method" : "miss" };
  const started = performance.now();
  // `cache` is the rest of the coordinator's time, so the phases add up to all of it.
  const settle = () => (timing.cache = Math.max(0, performance.now() - started - timingTotal(timing)));
  try {
    await d.ready(userId);
    timing.hydrate = performance.now() - started;
    if (kind === "write") d.limiter.admit("writes", d.config().writeLimit);
    const answer = await d.budget.using(id, timing, () => work(timing, trace));
    if (kind === "write" && answer.status < 300) d.stats.writes++;
    settle();
    return { ok: true, answer };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    d.stats.errors++;
    settle();
    return failed(err, trace, timing);
  }
}
