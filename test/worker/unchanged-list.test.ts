import { describe, expect, it } from "vitest";
import { z } from "zod";
import { holdNextVapiAnswer, until } from "./gates";
import { admin, byId, configure, d1Rows, listBody, newUser, OneBody, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";
import { openTab } from "./tabs";

// Issue 23: an unchanged revalidation is the most frequent call to Vapi. When every page Vapi sends
// is byte-identical to the list last applied, and nothing changed in the hot layer since, the list
// is confirmed (fresher) without being parsed, checked or applied again; `listsUnchanged` counts it.

const Counted = z.object({ listsUnchanged: z.number(), resources: z.object({ assistant: z.object({ listsUnchanged: z.number() }) }) });

/** List refreshes confirmed unchanged, as /api/cache/stats says (the total and the assistants' own must agree). */
async function unchanged(user: TestUser) {
  const stats = Counted.parse(await (await user.req("/api/cache/stats")).json());
  expect(stats.listsUnchanged).toBe(stats.resources.assistant.listsUnchanged);
  return stats.listsUnchanged;
}

const noCache = { headers: { "Cache-Control": "no-cache" } };

/** A no-cache list read: Vapi is asked, and its answer is what the cache now holds. */
async function revalidate(user: TestUser) {
  const res = await user.req("/api/assistants", noCache);
  expect([res.status, res.headers.get("Cache-Status")]).toEqual([200, "vapi-edge-cache; fwd=request; stored"]);
  return listBody(res);
}

describe("an unchanged list revalidation is confirmed without applying it", () => {
  it("answers exactly as before, counts it, and leaves the list and its entries fresher", async () => {
    const user = await newUser({ assistants: 5 });
    const cold = await listBody(await user.req("/api/assistants"));
    const syncedBy = Date.now(); // the cold sync started no later than this
    const cachedAt = await withHook(user.sub, (hook) => new Map(hook.ids().map((id) => [id, hook.entry(id)!.cachedAt])));
    const rows = await d1Rows(user.sub);
    expect(await unchanged(user)).toBe(0);
    await until(() => Date.now() > syncedBy, "the clock past the cold sync");

    const calls = await upstreamCalls(user.key);
    const again = await revalidate(user);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect(again).toEqual(cold);
    expect(await unchanged(user)).toBe(1);

    // Fresher: with a TTL that ends the cold sync's freshness right now, the list is still fresh.
    const fresh = await withHook(user.sub, (hook) => {
      hook.configure({ ttlMs: Date.now() - syncedBy, ttlJitter: 0 });
      return [hook.freshness("list"), ...hook.ids().map((id) => hook.entry(id)!.cachedAt > cachedAt.get(id)!)];
    });
    expect(fresh).toEqual(["fresh", true, true, true, true, true]);
    await configure(user, { ttlMs: 60_000 });
    const hit = await user.req("/api/assistants");
    expect(hit.headers.get("Cache-Status")).toMatch(/; hit; ttl=\d+$/);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect(await d1Rows(user.sub)).toEqual(rows);
  });

  it("a list edited in Vapi is applied and published, and the next identical one is confirmed again", async () => {
    const user = await newUser({ assistants: 4 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    await revalidate(user);
    expect(await unchanged(user)).toBe(1);
    const tab = await openTab(user.token);
    await tab.waitFor((m) => m.type === "ready");
    const target = assistants[1]!;
    await admin.patchBehindBack(user.key, target.id, { name: "Edited in Vapi" });

    const edited = await revalidate(user);
    expect(edited.assistants.find((a) => a.id === target.id)?.name).toBe("Edited in Vapi");
    const event = await tab.waitFor((m) => m.type === "updated");
    expect(event).toMatchObject({ id: target.id, origin: "vapi" });
    expect(await unchanged(user)).toBe(1);
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant.name).toBe("Edited in Vapi");

    expect(await revalidate(user)).toEqual(edited);
    expect(await unchanged(user)).toBe(2);
    tab.ws.close();
  });

  it("over several pages: identical pages are confirmed, a change on the last page alone is applied", async () => {
    const user = await newUser({ assistants: 20 });
    // Seeded batches share a createdAt millisecond (up to 5): pages of 6 always move on.
    await configure(user, { listPageSize: 6 });
    const calls = await upstreamCalls(user.key);
    await user.req("/api/assistants");
    const pages = (await upstreamCalls(user.key)) - calls;
    expect(pages).toBeGreaterThan(3);

    await revalidate(user);
    expect(await unchanged(user)).toBe(1);
    expect(await upstreamCalls(user.key)).toBe(calls + 2 * pages);

    // Vapi lists newest first: the oldest assistant is on the last page.
    const oldest = (await vapiAssistants(user.key)).reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
    await admin.patchBehindBack(user.key, oldest.id, { name: "Oldest, edited" });
    const edited = await revalidate(user);
    expect(edited.assistants.find((a) => a.id === oldest.id)?.name).toBe("Oldest, edited");
    expect(byId(edited.assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect(await unchanged(user)).toBe(1);
  });
});

describe("only when nothing changed in the cache since the list it repeats", () => {
  it("payloads the memory budget dropped come back from Vapi's answer, even when Vapi's list is unchanged", async () => {
    const user = await newUser({ assistants: 12 });
    const each = Math.max(...(await vapiAssistants(user.key)).map((a) => JSON.stringify(a).length));
    await configure(user, { maxBytes: each * 3 });
    await user.req("/api/assistants");
    expect((await withHook(user.sub, (hook) => hook.evicted())).length).toBeGreaterThan(0);
    const rows = await d1Rows(user.sub);

    const again = await revalidate(user);
    expect(byId(again.assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect(await unchanged(user)).toBe(0); // applied, not confirmed: the layer changed since the list
    expect(await d1Rows(user.sub)).toEqual(rows);
  });

  it("a write acknowledged while an unchanged list is on its way is kept, and that list is applied, not confirmed", async () => {
    const user = await newUser({ assistants: 4 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    await revalidate(user);
    expect(await unchanged(user)).toBe(1);
    const target = assistants[2]!;

    // Vapi answers the list (identical to the last one) before the write; the answer lands after it.
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered();
    const patched = await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Written meanwhile" } });
    expect(patched.status).toBe(200);
    const written = OneBody.parse(await patched.json()).assistant;
    held.release();
    const during = await listBody(await refresh);

    expect(during.assistants.find((a) => a.id === target.id)).toEqual(written);
    expect(await unchanged(user)).toBe(1);
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.assistants.find((a) => a.id === target.id)).toEqual(written);
    expect(byId(after.assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant).toEqual(written);
  });
});
