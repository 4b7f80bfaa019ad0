import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, configure, fault, listBody, newUser, upstreamCalls } from "./helpers";

describe("upstream retries", () => {
  it("a read that gets a 429 is retried after Vapi's Retry-After and succeeds", async () => {
    const user = await newUser({ assistants: 2 });
    await configure(user, { retryBudgetMs: 3_000 });
    const limited = await fault(user.key, { rateLimit: { every: 2, retryAfterSeconds: 1 } });
    // The first matching request passes; the cache's first attempt is the second, and gets the 429.
    await fetch(`${env.EMULATOR_URL}/assistant?limit=1`, { headers: { Authorization: `Bearer ${user.key}` } });
    const calls = await upstreamCalls(user.key);

    // How long it waits (at least Retry-After) is pinned by retry.test.ts with a recorded sleep.
    const res = await user.req("/api/assistants");
    await limited.clear();
    expect(res.status).toBe(200);
    expect((await listBody(res)).assistants).toHaveLength(2);
    expect(await upstreamCalls(user.key)).toBe(calls + 2);
    const stats = (await (await user.req("/api/cache/stats")).json()) as { retries: number };
    expect(stats.retries).toBe(1);
  });

  it("a Retry-After longer than the budget is not waited for: the 429 is answered at once", async () => {
    const user = await newUser({ assistants: 1 });
    await configure(user, { retryBudgetMs: 1_000 });
    const limited = await fault(user.key, { rateLimit: { every: 1, retryAfterSeconds: 30 } });
    const calls = await upstreamCalls(user.key);
    // Waiting the 30 s out would outlast the test's own timeout: answered, it did not wait.
    const res = await user.req("/api/assistants");
    await limited.clear();
    expect(res.status).toBe(429);
    expect(res.headers.get("Retry-After")).toBe("30");
    expect(await upstreamCalls(user.key)).toBe(calls + 1); // one attempt, no retry
  });

  it("a create that fails is never retried (no duplicate assistants)", async () => {
    const user = await newUser();
    await configure(user, { retryBudgetMs: 3_000 });
    const outage = await fault(user.key, { errorRate: 1, errorStatus: 503, routes: ["POST /assistant"] });
    const calls = await upstreamCalls(user.key);
    const res = await user.req("/api/assistants", { method: "POST", json: { name: "Once" } });
    await outage.clear();
    expect(res.status).toBe(502);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect(await admin.assistants(user.key)).toHaveLength(0);
  });
});

describe("a create whose answer is lost", () => {
  it("is found by its marker instead of being sent again: one assistant, answered 201", async () => {
    const user = await newUser();
    await configure(user, { vapiTimeoutMs: 150, retryBudgetMs: 2_000 });
    // Vapi applies the create after 400 ms; the cache stops waiting after 150 ms.
    const slow = await fault(user.key, { latencyMs: { min: 400, max: 400 }, routes: ["POST /assistant"] });
    const res = await user.req("/api/assistants", { method: "POST", json: { name: "Exactly once" } });
    await slow.clear();
    expect(res.status).toBe(201);
    const inVapi = await admin.assistants(user.key);
    expect(inVapi).toHaveLength(1);
    expect(((await res.json()) as { assistant: { id: string } }).assistant.id).toBe(inVapi[0]!.id);
    expect((await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id)).toEqual([inVapi[0]!.id]);
  });
});
