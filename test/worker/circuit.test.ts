import { describe, expect, it } from "vitest";
import { until } from "./gates";
import { configure, ErrorBody, fault, listBody, newUser, type TestUser, upstreamCalls, withHook } from "./helpers";

const Stats = async (user: TestUser) =>
  (await (await user.req("/api/cache/stats")).json()) as { circuit: { state: string; opens: number } };

describe("per-user circuit breaker", () => {
  it("opens after repeated failures: answers 503 with Retry-After at once and makes no upstream call", async () => {
    const user = await newUser({ assistants: 1 });
    await configure(user, { circuitThreshold: 2, circuitOpenMs: 5_000, retryAttempts: 1 });
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503 });
    for (let i = 0; i < 2; i++) expect((await user.req("/api/assistants")).status).toBe(502);
    const calls = await upstreamCalls(user.key);

    const open = await user.req("/api/assistants");
    const write = await user.req("/api/assistants", { method: "POST", json: { name: "Not now" } });
    await outage.clear();
    expect(open.status).toBe(503);
    expect(ErrorBody.parse(await open.json()).error.code).toBe("vapi_circuit_open");
    expect(Number(open.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(open.headers.get("Cache-Status")).toBe("vapi-edge-cache; detail=vapi-circuit-open");
    expect(write.status).toBe(503);
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect((await Stats(user)).circuit).toMatchObject({ state: "open", opens: 1 });
  });

  it("serves stale while open, then one probe closes it once Vapi is back", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, { ttlMs: 200, circuitThreshold: 2, circuitOpenMs: 500, retryAttempts: 1 });
    const before = await listBody(await user.req("/api/assistants"));
    await until(() => withHook(user.sub, (hook) => hook.freshness("list") !== "fresh"), "the list past its TTL");
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 500 });
    for (let i = 0; i < 2; i++) expect((await listBody(await user.req("/api/assistants"))).stale).toBe(true);
    const calls = await upstreamCalls(user.key);
    const open = await user.req("/api/assistants");
    expect(open.headers.get("Cache-Status")).toBe("vapi-edge-cache; detail=circuit-open");
    expect(await listBody(open)).toEqual({ ...before, cached: true, stale: true });
    expect(await upstreamCalls(user.key)).toBe(calls);

    await outage.clear();
    await until(async () => (await Stats(user)).circuit.state === "half-open", "the circuit ready for a probe");
    const probe = await user.req("/api/assistants");
    expect(probe.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; stored");
    expect((await listBody(probe)).stale).toBeUndefined();
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect((await Stats(user)).circuit.state).toBe("closed");
  });
});
