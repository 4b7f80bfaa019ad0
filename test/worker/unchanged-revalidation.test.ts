import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Entry } from "../../durable-objects/hot-layer";
import { countD1Statements } from "./gates";
import { admin, configure, d1Rows, d1Settled, listBody, newUser, stubFor, upstreamCalls, withHook } from "./helpers";

// Issue 12 item 3: a refresh that finds an assistant unchanged (same `updatedAt`) costs no
// serialization and no D1 row write; only a list sync's marker is written, and (issue 23) not
// even that within a tenth of the TTL of the last one.

const entries = (sub: string) => withHook(sub, (hook) => new Map(hook.ids().map((id) => [id, hook.entry(id)!])));

const noCache = { headers: { "Cache-Control": "no-cache" } };

describe("unchanged revalidations are free", () => {
  it("a no-cache list read of an unchanged org keeps every entry's JSON and parsed object, and writes nothing to D1 right after the last marker", async () => {
    const user = await newUser({ assistants: 5 });
    await user.req("/api/assistants");
    const before: Map<string, Entry> = await entries(user.sub);
    const jsonBefore = new Map([...before].map(([id, e]) => [id, { json: e.json, item: e.item, cachedAt: e.cachedAt }]));
    const rowsBefore = await d1Rows(user.sub);
    const batches = await countD1Statements(user.sub);

    const res = await user.req("/api/assistants", noCache);
    expect(res.status).toBe(200);
    expect((await listBody(res)).assistants).toHaveLength(5);
    await d1Settled(user.sub);

    expect(batches).toEqual([]); // the cold read's marker is moments old: no row, no marker
    expect(await d1Rows(user.sub)).toEqual(rowsBefore);
    const after = await entries(user.sub);
    for (const [id, was] of jsonBefore) {
      const now = after.get(id)!;
      expect(now.item).toBe(was.item);
      expect(now.json).toBe(was.json);
      expect(now.cachedAt).toBeGreaterThanOrEqual(was.cachedAt);
    }
  });

  it("an assistant edited in Vapi is still rewritten, and only that one", async () => {
    const user = await newUser({ assistants: 4 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const target = assistants[2]!;
    const rowsBefore = await d1Rows(user.sub);
    await admin.patchBehindBack(user.key, target.id, { name: "Edited in Vapi" });
    const batches = await countD1Statements(user.sub);

    const { assistants: listed } = await listBody(await user.req("/api/assistants", noCache));
    await d1Settled(user.sub);

    expect(listed.find((a) => a.id === target.id)?.name).toBe("Edited in Vapi");
    expect(batches).toEqual([2]); // its row and the marker
    const rows = await d1Rows(user.sub);
    expect(rows.find((r) => r.id === target.id)?.assistant.name).toBe("Edited in Vapi");
    expect(rows.filter((r) => r.id !== target.id)).toEqual(rowsBefore.filter((r) => r.id !== target.id));
  });

  it("an unchanged revalidation a tenth of the TTL after the last marker writes the marker alone", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    const rowsBefore = await d1Rows(user.sub);
    await configure(user, { ttlMs: 0 }); // every marker is at least a tenth of the TTL old
    const batches = await countD1Statements(user.sub);
    const synced = async () =>
      (await env.DB.prepare("SELECT synced_at FROM assistants_list_sync WHERE user_id = ?").bind(user.sub).first<{ synced_at: number }>())?.synced_at;
    const markerBefore = await synced();

    expect((await user.req("/api/assistants", noCache)).status).toBe(200);
    await d1Settled(user.sub);
    expect(batches).toEqual([1]); // the marker, no row
    expect(await d1Rows(user.sub)).toEqual(rowsBefore);
    expect(await synced()).toBeGreaterThan(markerBefore!);
  });

  it("an expired assistant found unchanged by its own refresh writes nothing to D1", async () => {
    const user = await newUser({ assistants: 2 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const id = assistants[0]!.id;
    const held = (await entries(user.sub)).get(id)!.item;
    await configure(user, { ttlMs: 0 }); // everything is past its TTL at once
    const batches = await countD1Statements(user.sub);
    const calls = await upstreamCalls(user.key);

    const res = await user.req(`/api/assistants/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toMatch(/fwd=stale/);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    await d1Settled(user.sub);
    expect(batches).toEqual([]);
    expect((await entries(user.sub)).get(id)!.item).toBe(held);
  });

  it("after eviction, an assistant the last list sync confirmed is a hit within that sync's TTL", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    // Rows cached long ago (past the TTL); the revalidation below confirms them without rewriting.
    await env.DB.prepare("UPDATE assistants_cache SET cached_at = cached_at - 3600000 WHERE user_id = ?").bind(user.sub).run();
    const aged = await d1Rows(user.sub);
    await user.req("/api/assistants", noCache);
    await d1Settled(user.sub);
    expect(await d1Rows(user.sub)).toEqual(aged);

    await evictDurableObject(stubFor(user.sub));
    const calls = await upstreamCalls(user.key);
    const res = await user.req(`/api/assistants/${assistants[1]!.id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toMatch(/; hit; ttl=\d+$/);
    expect(await upstreamCalls(user.key)).toBe(calls);
  });
});
