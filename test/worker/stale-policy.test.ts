import { describe, expect, it } from "vitest";
import { circuitOpen, failureStatus, servedEarly, servedOnError } from "../../durable-objects/stale-policy";
import { ApiError } from "../../core/errors";
import { UpstreamError } from "../../src/vapi/upstream-error";

const down = new UpstreamError(502, "vapi_error", "down", 503);
const timeout = new UpstreamError(504, "vapi_timeout", "slow", undefined);
const gone = new UpstreamError(404, "assistant_not_found", "gone", 404);
const usable = { state: "stale", usableOnError: true } as const;

describe("stale policy", () => {
  it("serves stale for an unavailable upstream, saying why and what it answered", () => {
    expect(servedOnError(down, usable, false)?.status).toBe("fwd=stale; fwd-status=503; detail=stale-if-error");
    expect(servedOnError(timeout, usable, false)?.status).toBe("fwd=stale; detail=stale-if-error");
    expect(servedOnError(circuitOpen(3), usable, false)?.status).toBe("detail=circuit-open");
  });

  it("never papers over a refusal, a no-cache request, data past the window, or nothing cached", () => {
    expect(servedOnError(gone, usable, false)).toBeUndefined();
    expect(servedOnError(new ApiError(424, "vapi_key_not_configured", "x"), usable, false)).toBeUndefined();
    expect(servedOnError(down, usable, true)).toBeUndefined();
    expect(servedOnError(down, { state: "stale", usableOnError: false }, false)).toBeUndefined();
    expect(servedOnError(down, { state: "absent" }, false)).toBeUndefined();
  });

  it("answers early only when fresh or inside the stale-while-revalidate window", () => {
    expect(servedEarly({ state: "fresh", ttlLeftMs: 2500 }, false)).toEqual({ cached: true, status: "hit; ttl=2" });
    expect(servedEarly({ state: "revalidate" }, false)?.stale).toBe(true);
    expect(servedEarly({ state: "fresh", ttlLeftMs: 2500 }, true)).toBeUndefined();
    expect(servedEarly(usable, false)).toBeUndefined();
  });

  it("a failure claims a forward only when it reached the upstream", () => {
    expect(failureStatus(down, "request")).toBe("vapi-edge-cache; fwd=request; fwd-status=503");
    expect(failureStatus(circuitOpen(1), "miss")).toBe("vapi-edge-cache; detail=vapi-circuit-open");
    expect(failureStatus(timeout, "stale")).toBe("vapi-edge-cache; fwd=stale; detail=vapi-timeout");
  });
});
