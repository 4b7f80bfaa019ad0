import { describe, expect, it } from "vitest";
import { admin, fault, listBody, newUser, OneBody, upstreamCalls } from "./helpers";

describe("single-flight", () => {
  it("200 concurrent cold list reads make exactly one upstream call and get identical, complete answers", async () => {
    const user = await newUser({ assistants: 20 });
    const slow = await fault(user.key, { latencyMs: { min: 150, max: 150 } });
    const before = await upstreamCalls(user.key);

    const responses = await Promise.all(Array.from({ length: 200 }, () => user.req("/api/assistants")));
    await slow.clear();

    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies).size).toBe(1);
    expect((await listBody(new Response(bodies[0]))).assistants).toHaveLength(20);
    expect(await upstreamCalls(user.key)).toBe(before + 1);
    const collapsed = responses.filter((r) => r.headers.get("Cache-Status")?.includes("collapsed"));
    expect(collapsed.length).toBe(199);
  });

  it("concurrent misses for one assistant share one upstream read", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
    const id = assistants[0]!.id;
    const slow = await fault(user.key, { latencyMs: { min: 150, max: 150 } });
    const before = await admin.requests();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => user.req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } })),
    );
    await slow.clear();
    for (const a of answers) expect(OneBody.parse(await a.json()).assistant.id).toBe(id);
    const after = await admin.requests();
    expect((after.byKey[user.key] ?? 0) - (before.byKey[user.key] ?? 0)).toBe(1);
  });

  it("a single-assistant miss during a list refresh waits for the list instead of calling Vapi", async () => {
    const user = await newUser({ assistants: 5 });
    const ids = (await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id);
    // Evict the hot layer's freshness by forcing a slow revalidation, then ask for one id meanwhile.
    const slow = await fault(user.key, { latencyMs: { min: 200, max: 200 }, routes: ["GET /assistant"] });
    const before = await upstreamCalls(user.key);
    const list = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await new Promise((r) => setTimeout(r, 50));
    const coldId = crypto.randomUUID(); // not cached: would be a miss
    const [listRes, oneRes, knownRes] = await Promise.all([
      list,
      user.req(`/api/assistants/${coldId}`),
      user.req(`/api/assistants/${ids[2]}`),
    ]);
    await slow.clear();
    expect(listRes.status).toBe(200);
    expect(oneRes.status).toBe(404);
    expect(knownRes.status).toBe(200);
    expect(await upstreamCalls(user.key)).toBe(before + 1);
  });
});
