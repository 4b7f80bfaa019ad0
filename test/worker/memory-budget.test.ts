import { describe, expect, it } from "vitest";
import { z } from "zod";
import { readConfig } from "../../core/config";
import { breakD1For, holdNextVapiAnswer, until } from "./gates";
import { type Assistant, byId, configure, d1Rows, listBody, newUser, OneBody, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";

// Issue 9 item 7: CACHE_MAX_BYTES bounds the hot layer's strings; past it the least recently
// used payloads leave memory and come back from D1, and every invariant still holds.

const HotStats = z.object({
  hotLayer: z.object({ entries: z.number(), resident: z.number(), bytes: z.number(), budgetBytes: z.number(), evictions: z.number() }),
});

const hotStats = async (user: TestUser) => HotStats.parse(await (await user.req("/api/cache/stats")).json()).hotLayer;

const evicted = (user: TestUser) => withHook(user.sub, (hook) => hook.evicted());

/** A user with `n` assistants whose coordinator may keep about `resident` payloads in memory. */
async function overBudget(n: number, resident: number) {
  const user = await newUser({ assistants: n });
  const each = Math.max(...(await vapiAssistants(user.key)).map((a) => JSON.stringify(a).length));
  const maxBytes = each * resident;
  await configure(user, { maxBytes });
  return { user, maxBytes };
}

const noCache = { headers: { "Cache-Control": "no-cache" } };

describe("memory bound (CACHE_MAX_BYTES)", () => {
  it("keeps the hot layer under its budget while the list stays complete and byte-identical to Vapi's", async () => {
    const { user, maxBytes } = await overBudget(24, 6);
    const first = await user.req("/api/assistants");
    expect(first.status).toBe(200);
    const fromVapi = (JSON.parse(await first.text()) as { assistants: unknown[] }).assistants;

    const after = await hotStats(user);
    expect(after).toMatchObject({ entries: 24, budgetBytes: maxBytes });
    expect(after.bytes).toBeLessThanOrEqual(maxBytes);
    expect(after.resident).toBeLessThan(24);
    expect(after.evictions).toBeGreaterThan(0);

    const calls = await upstreamCalls(user.key);
    const again = await user.req("/api/assistants");
    const text = await again.text();
    expect(again.headers.get("Cache-Status")).toMatch(/; hit; /);
    expect(await upstreamCalls(user.key)).toBe(calls); // dropped payloads came from D1
    expect((await hotStats(user)).bytes).toBeLessThanOrEqual(maxBytes);

    // The same bytes as the answer built from Vapi's (before any payload left memory), and Vapi's data.
    const fromD1 = (JSON.parse(text) as { assistants: Assistant[] }).assistants;
    expect(JSON.stringify(fromD1)).toBe(JSON.stringify(fromVapi));
    expect(byId(fromD1)).toEqual(byId(await vapiAssistants(user.key)));
  });

  it("answers a get of a dropped payload from D1, without an upstream call", async () => {
    const { user } = await overBudget(12, 3);
    await user.req("/api/assistants");
    const [id] = await evicted(user);
    const calls = await upstreamCalls(user.key);

    const res = await user.req(`/api/assistants/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toMatch(/; hit; ttl=\d+$/);
    const { assistant } = OneBody.parse(await res.json());
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect(assistant).toEqual((await vapiAssistants(user.key)).find((a) => a.id === id));
  });

  it("drops the least recently used payloads: the ones just read stay", async () => {
    const { user } = await overBudget(12, 4);
    await user.req("/api/assistants");
    const dropped = await evicted(user);
    const [a, b] = dropped;
    await user.req(`/api/assistants/${a}`);
    await user.req(`/api/assistants/${b}`);
    const now = await evicted(user);
    expect(now).not.toContain(a);
    expect(now).not.toContain(b);
    // Nothing that was resident before was used since: they went in their LRU order, oldest first.
    const wasResident = (await withHook(user.sub, (hook) => hook.ids())).filter(
      (id) => !dropped.includes(id),
    );
    expect(now.filter((id) => wasResident.includes(id)).length).toBeGreaterThan(0);
  });

  it("writes while payloads are dropped are fenced like any other: no lost update, no resurrection, no lost create", async () => {
    // No payload stays in memory past a request: the write's own entry is a stub when the refresh lands.
    const { user } = await overBudget(10, 0);
    await user.req("/api/assistants");
    const [kept, gone] = await evicted(user);
    // A list refresh that read Vapi before the writes, answered only after them.
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered();
    const patched = await user.req(`/api/assistants/${kept}`, { method: "PATCH", json: { name: "Written while dropped" } });
    const deleted = await user.req(`/api/assistants/${gone}`, { method: "DELETE" });
    const created = await user.req("/api/assistants", { method: "POST", json: { name: "Created while the list was read" } });
    expect([patched.status, deleted.status, created.status]).toEqual([200, 200, 201]);
    const createdId = OneBody.parse(await created.json()).assistant.id;
    expect(await evicted(user)).toContain(createdId); // only its stub is in memory when the list lands
    held.release();
    expect((await refresh).status).toBe(200);

    const { assistants } = await listBody(await user.req("/api/assistants"));
    expect(assistants.find((a) => a.id === kept)?.name).toBe("Written while dropped");
    expect(assistants.map((a) => a.id)).not.toContain(gone);
    expect(assistants.map((a) => a.id)).toContain(createdId);
    expect(byId(assistants)).toEqual(byId(await vapiAssistants(user.key)));
    const one = OneBody.parse(await (await user.req(`/api/assistants/${kept}`)).json());
    expect(one.assistant.name).toBe("Written while dropped");
    expect((await d1Rows(user.sub)).find((r) => r.id === kept)?.assistant.name).toBe("Written while dropped");
  });

  it("while D1 is untrusted, a dropped payload is read from Vapi instead", async () => {
    const { user } = await overBudget(8, 2);
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const dropped = await evicted(user);
    const other = assistants.find((a) => !dropped.includes(a.id))!;
    const repairD1 = await breakD1For(user.sub);
    // A write whose D1 batch fails: D1 is untrusted from now on (until repaired).
    expect((await user.req(`/api/assistants/${other.id}`, { method: "PATCH", json: { name: "D1 missed this" } })).status).toBe(200);
    await until(() => withHook(user.sub, (hook) => hook.d1Untrusted()), "D1 untrusted");
    await repairD1();

    const calls = await upstreamCalls(user.key);
    const res = await user.req(`/api/assistants/${dropped[0]}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toMatch(/fwd=miss/);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect(OneBody.parse(await res.json()).assistant).toEqual((await vapiAssistants(user.key)).find((a) => a.id === dropped[0]));
  });

  it("is read from CACHE_MAX_BYTES like the other settings; invalid values fall back to the default", async () => {
    expect(readConfig({}).maxBytes).toBe(24 * 1024 * 1024);
    for (const bad of ["-1", "lots", "1.5"]) expect(readConfig({ CACHE_MAX_BYTES: bad }).maxBytes).toBe(24 * 1024 * 1024);
    const user = await newUser({ assistants: 6 });
    await configure(user, { vars: { CACHE_MAX_BYTES: "2000" } });
    await user.req("/api/assistants");
    const stats = await hotStats(user);
    expect(stats).toMatchObject({ entries: 6, budgetBytes: 2000 });
    expect(stats.bytes).toBeLessThanOrEqual(2000);
  });

  it("a refresh with no request after it (stale-while-revalidate) is trimmed back under the budget", async () => {
    const { user, maxBytes } = await overBudget(12, 3);
    await user.req("/api/assistants");
    await configure(user, { ttlMs: 0, staleWhileRevalidateMs: 60_000 });
    const calls = await upstreamCalls(user.key);
    const res = await user.req("/api/assistants"); // stale at once, refreshed in the background
    expect(res.headers.get("Cache-Status")).toMatch(/detail=stale-while-revalidate/);
    await until(async () => (await upstreamCalls(user.key)) > calls, "the background refresh reaching Vapi");
    await until(async () => {
      const idle = await withHook(user.sub, (hook) => hook.refreshesRunning() === 0);
      return idle && (await hotStats(user)).bytes <= maxBytes;
    }, "the refresh ended and memory back under the budget");
  });
});
