import { describe, expect, it } from "vitest";
import { freshness, ttlOf } from "../../durable-objects/freshness";

const policy = { ttlMs: 300_000, ttlJitter: 0.1, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 60_000 };

describe("freshness and TTL jitter", () => {
  it("spreads the expiry of entries stored in the same millisecond over the jitter window", () => {
    const ttls = Array.from({ length: 200 }, (_, i) => ttlOf(policy, `id-${i}`, 1_700_000_000_000));
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(270_000);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(300_000);
    expect(new Set(ttls.map((t) => Math.floor(t / 1000))).size).toBeGreaterThan(20);
  });

  it("gives one entry the same TTL every time it is asked (no flapping between fresh and stale)", () => {
    expect(ttlOf(policy, "a", 5)).toBe(ttlOf(policy, "a", 5));
  });

  it("classifies fresh → revalidate → stale (usable on error) → stale (too old)", () => {
    const p = { ...policy, ttlJitter: 0 };
    expect(freshness(p, "a", null, 0).state).toBe("absent");
    expect(freshness(p, "a", 0, 299_999)).toEqual({ state: "fresh", ttlLeftMs: 1 });
    expect(freshness(p, "a", 0, 300_000).state).toBe("revalidate");
    expect(freshness(p, "a", 0, 310_000)).toEqual({ state: "stale", usableOnError: true });
    expect(freshness(p, "a", 0, 360_000)).toEqual({ state: "stale", usableOnError: false });
  });
});
