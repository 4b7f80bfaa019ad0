import { describe, expect, it } from "vitest";
import { ApiError } from "../../core/errors";
import { backoffMs, withRetry } from "../../src/vapi/retry";
import { UpstreamError } from "../../src/vapi/upstream-error";

const failing = (errors: Error[]) => {
  let calls = 0;
  const work = async () => {
    const err = errors[calls++];
    if (err) throw err;
    return "ok";
  };
  return { work, calls: () => calls };
};
const unavailable = (retryAfter?: string) =>
  new UpstreamError(502, "vapi_error", "down", 503, retryAfter ? { "Retry-After": retryAfter } : {});

describe("withRetry", () => {
  it("retries transient failures, waiting at least Vapi's Retry-After", async () => {
    const waits: number[] = [];
    const f = failing([unavailable("2"), unavailable()]);
    const sleep = async (ms: number) => void waits.push(ms);
    expect(await withRetry(f.work, { attempts: 3, budgetMs: 10_000 }, sleep)).toBe("ok");
    expect(f.calls()).toBe(3);
    expect(waits[0]).toBeGreaterThanOrEqual(2000);
    expect(waits[1]).toBeLessThan(2000);
  });

  it("gives up at once when Retry-After does not fit the budget", async () => {
    const f = failing([unavailable("7")]);
    await expect(withRetry(f.work, { attempts: 3, budgetMs: 1000 }, async () => {})).rejects.toMatchObject({ upstreamStatus: 503 });
    expect(f.calls()).toBe(1);
  });

  it("stops after `attempts`", async () => {
    const f = failing([unavailable(), unavailable(), unavailable()]);
    await expect(withRetry(f.work, { attempts: 2, budgetMs: 10_000 }, async () => {})).rejects.toThrow();
    expect(f.calls()).toBe(2);
  });

  it("never retries a refusal (4xx) or an error of our own", async () => {
    for (const err of [new UpstreamError(404, "assistant_not_found", "gone", 404), new ApiError(424, "x", "y")]) {
      const f = failing([err]);
      await expect(withRetry(f.work, { attempts: 3, budgetMs: 10_000 }, async () => {})).rejects.toBe(err);
      expect(f.calls()).toBe(1);
    }
  });

  it("backs off exponentially with jitter between half and the full step", () => {
    expect(backoffMs(1, 100, () => 0)).toBe(50);
    expect(backoffMs(1, 100, () => 0.999)).toBe(100);
    expect(backoffMs(3, 100, () => 0)).toBe(200);
  });
});
