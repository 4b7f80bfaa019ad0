import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { UserCacheCoordinator } from "../../durable-objects/coordinator";
import { readConfig } from "../../src/lib/config";
import { ErrorBody, listBody, newUser, sleep, snapshot, stubFor, type TestUser, upstreamCalls } from "./helpers";

/** Runs this user's coordinator as a deployment with these RATE_LIMIT_* settings would. */
async function withLimits(user: TestUser, vars: Record<string, string | undefined>) {
  await runInDurableObject(stubFor(user.sub), (obj: UserCacheCoordinator) => {
    obj.config = readConfig({ ...env, ...vars });
  });
}

async function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get("Retry-After")).toBe("1");
  expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; detail=rate-limited");
  expect(ErrorBody.parse(await res.json()).error.code).toBe("rate_limited");
}

const noCache = { headers: { "Cache-Control": "no-cache" } };

describe("per-user rate limits (answered by the cache, not by Vapi)", () => {
  it("writes beyond the burst are 429 rate_limited with Retry-After, reach no one, and pass again after a refill", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    // One token a second, two at once.
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: "60", RATE_LIMIT_WRITES_BURST: "2" });
    expect((await user.req("/api/assistants", { method: "POST", json: { name: "One" } })).status).toBe(201);
    expect((await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Two" } })).status).toBe(200);

    const before = await snapshot(user);
    await expectRateLimited(await user.req("/api/assistants", { method: "POST", json: { name: "Three" } }));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Four" } }));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, { method: "DELETE" }));
    await expectRateLimited(await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } }));
    expect(await snapshot(user)).toEqual(before);
    // Reads from the cache are not limited.
    expect((await user.req("/api/assistants")).status).toBe(200);

    await sleep(1_000);
    expect((await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Five" } })).status).toBe(200);
  });

  it("forced revalidations (no-cache) beyond the burst are 429 while cache hits still answer; other users are unaffected", async () => {
    const user = await newUser({ assistants: 2 });
    const other = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await withLimits(user, { RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "60", RATE_LIMIT_REVALIDATIONS_BURST: "1" });
    await withLimits(other, { RATE_LIMIT_REVALIDATIONS_PER_MINUTE: "60", RATE_LIMIT_REVALIDATIONS_BURST: "1" });
    expect((await user.req("/api/assistants", noCache)).status).toBe(200);

    const calls = await upstreamCalls(user.key);
    await expectRateLimited(await user.req("/api/assistants", noCache));
    await expectRateLimited(await user.req(`/api/assistants/${a!.id}`, noCache));
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect((await listBody(await user.req("/api/assistants"))).cached).toBe(true);
    expect((await user.req(`/api/assistants/${a!.id}`)).status).toBe(200);
    expect((await other.req("/api/assistants", noCache)).status).toBe(200);
  });

  it("the defaults limit a script that loops on writes", async () => {
    const user = await newUser();
    // The defaults (as in wrangler.toml), not the suite's "off".
    await withLimits(user, { RATE_LIMIT_WRITES_PER_MINUTE: undefined, RATE_LIMIT_WRITES_BURST: undefined });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      statuses.push((await user.req("/api/assistants", { method: "POST", json: { name: `Loop ${i}` } })).status);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(20);
    expect(statuses.slice(20)).toEqual([429, 429, 429, 429, 429]);
  });
});
