import { describe, expect, inject, it } from "vitest";
import { call, admin, configure, ErrorBody, fault, newUser, token, uid, upstreamCalls } from "./helpers";

async function errorOf(res: Response) {
  return { status: res.status, ...ErrorBody.parse(await res.json()).error };
}

describe("upstream failures map to the error envelope", () => {
  it("no key configured: 424 telling the user to save one", async () => {
    const res = await call("/api/assistants", { token: await token(uid()) });
    expect(await errorOf(res)).toMatchObject({ status: 424, code: "vapi_key_not_configured", message: expect.stringMatching(/PUT \/api\/settings\/vapi-key/) });
    // It never reached Vapi, and does not claim it did.
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; detail=vapi-key-not-configured");
  });

  it("a stored key Vapi no longer accepts: 424 telling the user to update it", async () => {
    const user = await newUser({ assistants: 1 });
    await admin.deleteOrg(user.key);
    const res = await user.req("/api/assistants");
    expect(await errorOf(res)).toMatchObject({ status: 424, code: "vapi_key_rejected", message: expect.stringMatching(/update|valid private key/i) });
  });

  it("Vapi 5xx: 502, and Cache-Status names the status Vapi gave", async () => {
    const user = await newUser({ assistants: 1 });
    const broken = await fault(user.key, { errorRate: 1, errorStatus: 500 });
    const res = await user.req("/api/assistants");
    await broken.clear();
    expect(await errorOf(res)).toMatchObject({ status: 502, code: "vapi_error" });
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=miss; fwd-status=500");
    expect(res.headers.get("Server-Timing")).toMatch(/^cache;dur=[\d.]+, d1;dur=[\d.]+, vapi;dur=[\d.]+, .*total;dur=[\d.]+$/);
  });

  it("Vapi 429: 429 with Vapi's Retry-After", async () => {
    const user = await newUser({ assistants: 1 });
    const limited = await fault(user.key, { rateLimit: { every: 1, retryAfterSeconds: 7 } });
    const res = await user.req("/api/assistants");
    await limited.clear();
    expect(res.headers.get("Retry-After")).toBe("7");
    expect(await errorOf(res)).toMatchObject({ status: 429, code: "vapi_rate_limited" });
  });

  it("Vapi does not answer in time: 504", async () => {
    const user = await newUser({ assistants: 1 });
    await configure(user, { vapiTimeoutMs: 150 });
    const hang = await fault(user.key, { hangRate: 1 });
    const res = await user.req("/api/assistants");
    await hang.clear();
    expect(await errorOf(res)).toMatchObject({ status: 504, code: "vapi_timeout" });
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=miss; detail=vapi-timeout");
  });

  it("an answer that is not what Vapi sends: 502, not a crash", async () => {
    const user = await newUser({ assistants: 1 });
    // Point this user's coordinator at a server that answers every path with {"keys": [...]}.
    const elsewhere = new URL(inject("jwksUrl")).origin;
    await configure(user, { vapiBaseUrl: elsewhere });
    const res = await user.req("/api/assistants");
    expect(await errorOf(res)).toMatchObject({ status: 502, code: "vapi_error" });
  });

  it.each([
    ["not a uuid", "abc"],
    ["a path into another endpoint", "..%2F..%2Fcall"],
    ["a uuid with a suffix", `${crypto.randomUUID()};drop`],
  ])("an id that is %s is refused before any upstream call", async (_what, id) => {
    const user = await newUser();
    const calls = await upstreamCalls(user.key);
    for (const method of ["GET", "PATCH", "DELETE"]) {
      const res = await user.req(`/api/assistants/${id}`, { method, ...(method === "PATCH" ? { json: { name: "x" } } : {}) });
      expect(await errorOf(res)).toMatchObject({ status: 400, code: "invalid_assistant_id" });
    }
    expect(await upstreamCalls(user.key)).toBe(calls);
  });
});
