import { UpstreamError } from "./upstream-error";

/** How a read is retried: at most `attempts` tries, and no retry that would end past `budgetMs`. */
export interface RetryPolicy {
  attempts: number;
  budgetMs: number;
  /** First backoff step; each retry doubles it. */
  baseMs?: number;
  onRetry?: (waitMs: number) => void;
}

const BASE_MS = 50;

/**
 * Equal jitter (AWS's "Exponential Backoff And Jitter"): a wait between half and the whole of
 * the doubled step. The random half spreads retries of many users apart; the fixed half keeps
 * a retry from going straight back to a Vapi that has just failed (full jitter can wait ~0 ms).
 */
export const backoffMs = (retry: number, baseMs = BASE_MS, random = Math.random) =>
  Math.round(baseMs * 2 ** (retry - 1) * (0.5 + random() / 2));

/**
 * Runs `work`, retrying transient upstream failures with jittered exponential backoff. Vapi's
 * `Retry-After` is a floor: when it does not fit the budget the failure is returned at once, so
 * the caller can serve stale data instead of waiting.
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  policy: RetryPolicy,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof UpstreamError) || !err.transient || attempt >= policy.attempts) throw err;
      const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(attempt, policy.baseMs));
      if (Date.now() - started + wait > policy.budgetMs) throw err;
      policy.onRetry?.(wait);
      await sleep(wait);
    }
  }
}
