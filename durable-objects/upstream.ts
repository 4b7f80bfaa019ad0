import type { Config } from "../core/config";
import { ApiError } from "../core/errors";
import type { Resource } from "../core/resource";
import { ResourceClient } from "../src/vapi/client";
import { isTransient, UpstreamError } from "../src/vapi/upstream-error";
import type { Timing } from "../core/timing";
import type { CircuitBreaker } from "./circuit-breaker";
import { circuitOpen } from "./stale-policy";
import type { CacheStats } from "./stats";

/**
 * How long one single-flight read may hold its waiters: the worst case of one upstream read
 * (every attempt timing out, plus the waits the retry budget allows) plus one more per-attempt
 * timeout for what surrounds it (the key read from D1, applying the answer). Only a call that
 * hangs past its own timeout, or something else that hangs, reaches it. A list of many pages
 * can legitimately take longer: its waiters are then released, and its answer still lands.
 */
export const flightDeadlineMs = (c: Config) => c.retryAttempts * c.vapiTimeoutMs + c.retryBudgetMs + c.vapiTimeoutMs;

/** What the waiters of a flight past its deadline get: a 504 like Vapi's timeout (stale where allowed). */
export const flightExpired = (ms: number) =>
  new UpstreamError(504, "cache_fill_timeout", `Reading this from Vapi did not finish within ${ms} ms. Try again.`, undefined);

/** The user's calls to Vapi: clients behind the circuit, with retries, and each call's time. */
export class Upstream {
  constructor(
    private readonly config: () => Config,
    private readonly stats: CacheStats,
    private readonly circuit: CircuitBreaker,
  ) {}

  /** A client of `resource`'s endpoints for `key`, unless there is none or the circuit is open. */
  client(key: string | null, resource: Resource): ResourceClient {
    if (key === null) {
      throw new ApiError(
        424,
        "vapi_key_not_configured",
        "No Vapi private key is configured for this user. Save one with PUT /api/settings/vapi-key.",
      );
    }
    if (!this.circuit.allow()) throw circuitOpen(this.circuit.retryAfterSeconds());
    const config = this.config();
    return new ResourceClient(resource, {
      baseUrl: config.vapiBaseUrl,
      privateKey: key,
      timeoutMs: config.vapiTimeoutMs,
      observe: (ms, ok) => this.stats.upstream(ms, ok),
      retry: {
        attempts: config.retryAttempts,
        budgetMs: config.retryBudgetMs,
        onRetry: () => this.stats.retries++,
      },
    });
  }

  /** Every upstream call goes through here: its time, and its outcome for the circuit. */
  async timed<T>(timing: Timing, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const value = await work();
      this.circuit.succeeded();
      return value;
    } catch (err) {
      // Only "Vapi is unavailable" counts against the circuit; a 404 or 400 means Vapi is up.
      if (isTransient(err)) this.circuit.failed();
      else if (err instanceof UpstreamError) this.circuit.succeeded();
      throw err;
    } finally {
      // guard: vapi-s-time-not-counted-in-server-timing
      timing.vapi += Date.now() - started;
    }
  }
}
