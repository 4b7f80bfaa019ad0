import { describe, expect, it } from "vitest";
import { holdNextVapiAnswer, until } from "./gates";
import { admin, fault, listBody, newUser, OneBody, type TestUser, upstreamCalls } from "./helpers";

describe("single-flight", () => {
  // Requests that arrive after the flight has landed are hits (`cached: true`), so what is equal
  // is the content, not the bytes: asserting identical bodies was flaky under CPU load.
  it("200 concurrent cold list reads make exactly one upstream call and get the same complete list", async () => {
    const user = await newUser({ assistants: 20 });
    const slow = await fault(user.key, { latencyMs: { min: 150, max: 150 } });
    const before = await upstreamCalls(user.key);

    const responses = await Promise.all(Array.from({ length: 200 }, () => user.req("/api/assistants")));
    await slow.clear();

    expect(responses.every((r) => r.status === 200)).toBe(true);
    const lists = await Promise.all(responses.map(async (r) => (await listBody(r)).assistants));
    expect(lists[0]).toHaveLength(20);
    for (const list of lists) expect(list).toEqual(lists[0]);
    expect(await upstreamCalls(user.key)).toBe(before + 1);
    const waitedOrHit = responses.filter((r) => /collapsed|hit/.test(r.headers.get("Cache-Status") ?? ""));
    expect(waitedOrHit.length).toBe(199);
  });

  it("concurrent misses for one assistant share one upstream read", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
    const id = assistants[0]!.id;
    // The read's answer is held until all 50 wait for it: under CPU load a fixed latency let
    // late requests start a second read after the first had landed.
    const held = await holdNextVapiAnswer(user.sub, "get");
    const before = await admin.requests();
    const pending = Array.from({ length: 50 }, () =>
      user.req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } }),
    );
    await held.answered();
    await until(async () => (await waiting(user)) === 49, "49 reads joined the first");
    held.release();
    const answers = await Promise.all(pending);
    for (const a of answers) expect(OneBody.parse(await a.json()).assistant.id).toBe(id);
    const after = await admin.requests();
    expect((after.byKey[user.key] ?? 0) - (before.byKey[user.key] ?? 0)).toBe(1);
  });

  it("a single-assistant miss (no-cache too) during a list refresh waits for the list instead of calling Vapi", async () => {
    const user = await newUser({ assistants: 5 });
    const ids = (await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id);
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const before = await upstreamCalls(user.key);
    const list = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await held.answered(); // the list is read; its answer is held on the way back
    const coldId = crypto.randomUUID(); // not cached: a miss
    const cold = user.req(`/api/assistants/${coldId}`);
    const known = user.req(`/api/assistants/${ids[2]}`); // fresh: a hit
    const noCache = user.req(`/api/assistants/${ids[3]}`, { headers: { "Cache-Control": "no-cache" } });
    await until(async () => (await waiting(user)) === 2, "both misses joined the list"); // both misses wait for the list
    held.release();
    const [listRes, oneRes, knownRes, revalidated] = await Promise.all([list, cold, known, noCache]);
    expect(listRes.status).toBe(200);
    expect(oneRes.status).toBe(404);
    expect(knownRes.status).toBe(200);
    expect(revalidated.headers.get("Cache-Status")).toContain("collapsed");
    expect(await upstreamCalls(user.key)).toBe(before + 1);
  });
});

/** How many requests have joined another request's upstream read so far. */
const waiting = async (user: TestUser) =>
  ((await (await user.req("/api/cache/stats")).json()) as { coalesced: number }).coalesced;
