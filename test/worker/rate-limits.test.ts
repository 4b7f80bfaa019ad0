import { describe, expect, it } from "vitest";
import type { Vars } from "../../durable-objects/test-hook";
import { until } from "./gates";
import { configure, ErrorBody, listBody, newUser, snapshot, type TestUser, upstreamCalls } from "./helpers";

/** Runs this user's coordinator as a deployment with these RATE_LIMIT_* settings would. */
const withLimits = (user: TestUser, vars: Vars) => configure(user, { vars });

/** 429 from the cache's own limiter; at 6 a minute the next token is at most 10 s away. */
async function expectRateLimited(res: Response, cacheStatus: string | null = "vapi-edge-cache; detail=rate-limited") {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers.get("Retry-After"))).toBeLessThanOrEqual(10);
  expect(res.headers.get("Cache-Status")).toBe(cacheStatus);
  expect(ErrorBody.parse(await res.json()).error.code).toBe("rate_limited");
}

const noCache = { headers: { "Cache-Control": "no-cache" } };

describe("per-user rate limits (answered by the cache, not by Vapi)", () => {
  it("writes beyond the burst are 429 rate_limited with Retry-After, reach no one, and pass again after a refill", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    // One token every 10 s (slow enough for a loaded machine), two at once.
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: "6", RATE_LIMIT_WRITES_BURST: "2" });
    expect((await user.req("/api/assistants", { method: "POST", json: { name: "One" } })).status).toBe(201);
    expect((await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Two" } })).status).toBe(200);

    const before = await snapshot(user);
    await expectRateLimited(await user.req("/api/assistants", { method: "POST", json: { name: "Three" } }));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Four" } }));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, { method: "DELETE" }));
    await expectRateLimited(await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } }), null);
    expect(await snapshot(user)).toEqual(before);
    // Reads from the cache are not limited.
    expect((await user.req("/api/assistants")).status).toBe(200);

    // Ten tokens a second from now on: the bucket refills and writes pass again.
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: "600", RATE_LIMIT_WRITES_BURST: "2" });
    // Retried until the refill lets it through: a refused write reaches no one and takes no token.
    let status = 0;
    await until(async () => {
      status = (await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Five" } })).status;
      return status !== 429;
    }, "a write token refilled");
    expect(status).toBe(200);
  });

  it("forced revalidations (no-cache) beyond the burst are 429 while cache hits still answer; other users are unaffected", async () => {
    const user = await newUser({ assistants: 2 });
    const other = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await withLimits(user, { RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "6", RATE_LIMIT_REVALIDATIONS_BURST: "1" });
    await withLimits(other, { RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "6", RATE_LIMIT_REVALIDATIONS_BURST: "1" });
    expect((await user.req("/api/assistants", noCache)).status).toBe(200);

    const calls = await upstreamCalls(user.key);
    await expectRateLimited(await user.req("/api/assistants", noCache));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, noCache));
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect((await listBody(await user.req("/api/assistants"))).cached).toBe(true);
    expect((await user.req(`/api/assistants/${a!.id}`)).status).toBe(200);
    expect((await other.req("/api/assistants", noCache)).status).toBe(200);
  });

  it("removing the Vapi key counts against the write limit: past the burst 429 rate_limited, the key stays", async () => {
    const user = await newUser({ assistants: 1 });
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: "6", RATE_LIMIT_WRITES_BURST: "2" });
    const put = () => user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } });
    const remove = () => user.req("/api/settings/vapi-key", { method: "DELETE" });
    expect((await remove()).status).toBe(204);
    expect((await put()).status).toBe(204);

    await expectRateLimited(await remove(), null);
    const settings = (await (await user.req("/api/settings")).json()) as { vapiKeyConfigured: boolean };
    expect(settings.vapiKeyConfigured).toBe(true);
    expect((await user.req("/api/assistants")).status).toBe(200);
  });

  it("the defaults limit a script that loops on writes", async () => {
    const user = await newUser();
    // The defaults (as in wrangler.toml), not the suite's "off".
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: undefined, RATE_LIMIT_WRITES_BURST: undefined });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => user.req("/api/assistants", { method: "POST", json: { name: `Loop ${i}` } })),
    );
    const statuses = answers.map((r) => r.status);
    // A burst of 20, then one a second: a slow machine may let a token or two refill meanwhile.
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    expect(statuses.every((s) => s === 201 || s === 429)).toBe(true);
  });
});
