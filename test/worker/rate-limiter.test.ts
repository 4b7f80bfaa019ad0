import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../durable-objects/rate-limiter";

const rule = { perMinute: 60, burst: 3 }; // one token a second, three at once

describe("RateLimiter (token bucket per kind)", () => {
  it("allows a burst, then refuses and says how long until the next token", () => {
    const limiter = new RateLimiter<"writes">();
    expect([0, 1, 2].map(() => limiter.take("writes", rule, 1_000))).toEqual([0, 0, 0]);
    expect(limiter.take("writes", rule, 1_000)).toBe(1_000);
    expect(limiter.take("writes", rule, 1_400)).toBe(600);
    expect(limiter.take("writes", rule, 2_000)).toBe(0);
  });

  it("refills at the configured rate but never beyond the burst", () => {
    const limiter = new RateLimiter<"writes">();
    for (let i = 0; i < 3; i++) limiter.take("writes", rule, 0);
    const afterIdle = [0, 1, 2, 3].map(() => limiter.take("writes", rule, 3_600_000));
    expect(afterIdle).toEqual([0, 0, 0, 1_000]);
  });

  it("keeps one bucket per kind", () => {
    const limiter = new RateLimiter<"writes" | "revalidations">();
    const one = { perMinute: 1, burst: 1 };
    expect(limiter.take("writes", one, 0)).toBe(0);
    expect(limiter.take("writes", one, 0)).toBeGreaterThan(0);
    expect(limiter.take("revalidations", one, 0)).toBe(0);
  });

  it("0 per minute turns the limit off; a changed rule applies at once", () => {
    const limiter = new RateLimiter<"writes">();
    const off = { perMinute: 0, burst: 0 };
    for (let i = 0; i < 1_000; i++) expect(limiter.take("writes", off, 0)).toBe(0);
    expect(limiter.take("writes", { perMinute: 60, burst: 1 }, 0)).toBe(0);
    expect(limiter.take("writes", { perMinute: 60, burst: 1 }, 0)).toBe(1_000);
  });

  it("admit() refuses with 429 rate_limited and a Retry-After in whole seconds (at least 1)", () => {
    const limiter = new RateLimiter<"writes">();
    const fast = { perMinute: 600, burst: 1 };
    limiter.admit("writes", fast, 0);
    expect(() => limiter.admit("writes", fast, 10)).toThrow(
      expect.objectContaining({ status: 429, code: "rate_limited", headers: expect.objectContaining({ "Retry-After": "1" }) }),
    );
    const slow = { perMinute: 2, burst: 1 };
    const other = new RateLimiter<"writes">();
    other.admit("writes", slow, 0);
    expect(() => other.admit("writes", slow, 0)).toThrow(
      expect.objectContaining({ headers: expect.objectContaining({ "Retry-After": "30" }) }),
    );
  });
});
