import { describe, expect, it } from "vitest";
import { holdNextVapiRequest, until } from "./gates";
import { configure, ErrorBody, fault, listBody, newUser, OneBody, type TestUser, vapiAssistants, withHook } from "./helpers";

const TTL = { ttlMs: 300 };

/** Until the coordinator finds the list sync and every entry past the TTL (each has its own jittered TTL). */
const pastTtl = (user: TestUser) =>
  until(
    () => withHook(user.sub, (hook) => ["list", ...hook.ids()].every((key) => hook.freshness(key) !== "fresh")),
    "the cache past its TTL",
  );

describe("stale-if-error (CACHE_STALE_IF_ERROR_SECONDS)", () => {
  it("past the TTL with Vapi down, the list and each assistant are served stale and flagged, not a 502", async () => {
    const user = await newUser({ assistants: 3 });
    await configure(user, TTL);
    const before = await listBody(await user.req("/api/assistants"));
    await pastTtl(user);
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503 });

    const list = await user.req("/api/assistants");
    const one = await user.req(`/api/assistants/${before.assistants[0]!.id}`);
    await outage.clear();
    expect(list.status).toBe(200);
    expect(list.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; fwd-status=503; detail=stale-if-error");
    expect(await listBody(list)).toEqual({ ...before, cached: true, stale: true });
    expect(OneBody.parse(await one.json())).toMatchObject({ stale: true, assistant: before.assistants[0] });
    const stats = (await (await user.req("/api/cache/stats")).json()) as { staleServed: number };
    expect(stats.staleServed).toBe(2);
  });

  it("a timeout serves stale too, without claiming a status Vapi never gave", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, { ...TTL, vapiTimeoutMs: 100 });
    await user.req("/api/assistants");
    await pastTtl(user);
    const hang = await fault(user.key, { hangRate: 1 });
    const res = await user.req("/api/assistants");
    await hang.clear();
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; detail=stale-if-error");
    expect((await listBody(res)).stale).toBe(true);
  });

  it("past the stale-if-error window the outage is an error, with honest headers", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, { ...TTL, staleIfErrorMs: 0 });
    await user.req("/api/assistants");
    await pastTtl(user);
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503 });
    const res = await user.req("/api/assistants");
    await outage.clear();
    expect(res.status).toBe(502);
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; fwd-status=503");
    expect(res.headers.get("Server-Timing")).toMatch(/vapi;dur=\d+/);
  });

  it("a no-cache read is never answered stale: it fails and says fwd=request", async () => {
    const user = await newUser({ assistants: 2 });
    await user.req("/api/assistants");
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 500 });
    const res = await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await outage.clear();
    expect(res.status).toBe(502);
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=request; fwd-status=500");
  });

  it("writes are never faked: a PATCH during the outage fails and changes nothing", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, TTL);
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await pastTtl(user);
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503 });
    const res = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Never saved" } });
    const after = await listBody(await user.req("/api/assistants"));
    await outage.clear();
    expect(res.status).toBe(502);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_error");
    expect(after.assistants.find((x) => x.id === a!.id)?.name).toBe(a!.name);
    expect((await vapiAssistants(user.key)).find((x) => x.id === a!.id)?.name).toBe(a!.name);
  });

  it("serves the entry as it is now: a delete acknowledged while the read was on its way is not undone", async () => {
    const user = await newUser({ assistants: 2 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await configure(user, { ttlMs: 0, retryAttempts: 1 });
    // The read of the stale entry is held on its way to Vapi; the delete goes through meanwhile.
    const request = await holdNextVapiRequest(user.sub, "get");
    const read = user.req(`/api/assistants/${a!.id}`);
    await request.sent();
    expect((await user.req(`/api/assistants/${a!.id}`, { method: "DELETE" })).status).toBe(200);
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503 });
    request.release();
    const res = await read;
    await outage.clear();
    expect(res.status).toBe(502);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_error");
    expect((await vapiAssistants(user.key)).map((x) => x.id)).not.toContain(a!.id);
  });
});
