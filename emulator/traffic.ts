import type { MiddlewareHandler } from "hono";
import { routeOf } from "./counters.ts";
import { nestError } from "./errors.ts";
import { bearerKey } from "./routes/resources.ts";
import type { EmulatorState } from "./state.ts";

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * Wraps every Vapi-surface request (admin and unknown paths pass straight through): counts
 * it, keeps it "in flight" until its answer is ready (latency included), and applies the
 * fault decided on arrival. A read is answered from the state at its arrival and the answer
 * is delivered after the latency, as a slow network would deliver it (so a slow read can be
 * overtaken by a later write: what a cache's fencing must survive). A write waits out the
 * latency first and is not cut short when the client gives up, so a write that timed out on
 * the client may still land, as with a real server. A hung request is never applied.
 */
export function vapiTraffic(state: EmulatorState): MiddlewareHandler {
  return async (c, next) => {
    const route = routeOf(c.req.method, c.req.path);
    if (!route) return next();
    const key = bearerKey(c.req.header("authorization"));
    const end = state.counters.begin(route, key);
    try {
      const decision = state.faults.decide(route, key, state.latency);
      if (decision.kind === "hang") {
        await untilAborted(c.req.raw.signal);
        return new Response(null, { status: 499 }); // nobody is listening any more
      }
      const read = c.req.method === "GET";
      if (!read) await sleep(decision.delayMs);
      if (decision.kind === "rate-limited") {
        return Response.json(
          { message: "Rate limit exceeded", error: "Too Many Requests", statusCode: 429 },
          { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
        );
      }
      if (decision.kind === "error") return Response.json(nestError(decision.status), { status: decision.status });
      await next();
      if (read) await sleep(decision.delayMs);
    } finally {
      end();
    }
  };
}
