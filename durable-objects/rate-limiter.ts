import { type ApiFailure, fromFailure } from "../core/errors";
import type { RateRule } from "../core/rate-rule";


interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets, one per kind of request, for one user. The rule is passed on every call, so a
 * changed configuration applies at once. Memory only: an evicted coordinator starts with full
 * buckets, which is no more than an idle user would have.
 */
export class RateLimiter<Kind extends string> {
  private buckets = new Map<Kind, Bucket>();

  /** Takes one token: 0 when allowed, else the milliseconds until one is available. */
  take(kind: Kind, rule: RateRule, now: number): number {
    if (rule.perMinute <= 0) return 0;
    const perMs = rule.perMinute / 60_000;
    const capacity = Math.max(1, rule.burst);
    const b = this.buckets.get(kind) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
    this.buckets.set(kind, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / perMs);
  }

  /** Takes one token or refuses with 429 `rate_limited` and `Retry-After`; nothing was sent upstream. */
  admit(kind: Kind, rule: RateRule, now = Date.now()) {
    const refused = this.refusal(kind, rule, now);
    if (refused) throw fromFailure(refused);
  }

  /** `admit` as a value, for an answer across the RPC boundary: null when allowed. */
  refusal(kind: Kind, rule: RateRule, now = Date.now()): ApiFailure | null {
    const waitMs = this.take(kind, rule, now);
    if (waitMs === 0) return null;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    // Its own code: Vapi's limit on the key is `vapi_rate_limited`, this is the cache's per user.
    return {
      status: 429,
      code: "rate_limited",
      message: `Too many ${kind} for this user; retry in ${seconds} s.`,
      headers: { "Retry-After": String(seconds) },
    };
  }
}
