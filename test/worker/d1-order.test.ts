import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { holdNextD1Batch, loseNextD1Batch, until } from "./gates";
import { byId, d1Rows, d1RowsNow, listBody, newUser, stubFor, upstreamCalls, vapiAssistants, withHook } from "./helpers";

describe("D1 follows memory, in order", () => {
  it("a delete acknowledged while a list sync's batch is slow is not undone in D1 by that batch", async () => {
    const user = await newUser({ assistants: 3 });
    const victim = (await vapiAssistants(user.key))[0]!;
    const held = await holdNextD1Batch(user.sub);
    const sync = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await held.entered(); // the sync's rows, the victim included, are on their way to D1
    const del = user.req(`/api/assistants/${victim.id}`, { method: "DELETE" });
    // In order, the delete's batch waits behind the held one; out of order it would already run.
    const gone = () => withHook(user.sub, (hook) => !hook.ids().includes(victim.id));
    await Promise.race([del, until(gone, "the delete applied in memory")]);
    held.release();
    expect((await del).status).toBe(200);
    expect((await sync).status).toBe(200);

    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
    await evictDurableObject(stubFor(user.sub));
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(after.assistants.map((a) => a.id)).not.toContain(victim.id);
  });
});

describe("misses answer before D1", () => {
  it("answers a cold list while its D1 batch is held, and D1 gets every row once it is released", async () => {
    const user = await newUser({ assistants: 4 });
    const held = await holdNextD1Batch(user.sub);
    const read = user.req("/api/assistants");
    await held.entered();
    // Awaiting D1 before answering would hang here until the gate gives up.
    const res = await read;
    expect(res.status).toBe(200);
    expect(byId((await listBody(res)).assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect(await d1RowsNow(user.sub)).toEqual([]);

    held.release();
    expect(byId((await d1Rows(user.sub)).map((r) => r.assistant))).toEqual(byId(await vapiAssistants(user.key)));
  });

  it("an eviction before D1 caught up makes the next list fetch again, never serve the partial rows D1 holds", async () => {
    const user = await newUser({ assistants: 3 });
    const [one] = await vapiAssistants(user.key);
    // no-cache: a per-id read (without it, an id the cache does not hold is read through the list).
    expect((await user.req(`/api/assistants/${one!.id}`, { headers: { "Cache-Control": "no-cache" } })).status).toBe(200);
    expect(await d1Rows(user.sub)).toHaveLength(1); // one row, no list marker

    const lose = await loseNextD1Batch(user.sub);
    const first = await listBody(await user.req("/api/assistants"));
    expect(first.assistants).toHaveLength(3);
    await lose.lost(); // the list's rows and marker never reach D1...
    await evictDurableObject(stubFor(user.sub)); // ...and the object is gone

    const calls = await upstreamCalls(user.key);
    const res = await user.req("/api/assistants");
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=miss; stored");
    const after = await listBody(res);
    expect(after.cached).toBe(false);
    expect(byId(after.assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });
});
