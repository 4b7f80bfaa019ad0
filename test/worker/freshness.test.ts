import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { until } from "./gates";
import { byId, configure, d1Rows, admin, listBody, newUser, OneBody, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";

/** Runs this user's coordinator as a deployment with CACHE_TTL_SECONDS=`seconds` would. */
const withTtl = (user: TestUser, seconds: number) => configure(user, { vars: { CACHE_TTL_SECONDS: String(seconds) } });

/** Until the coordinator itself finds the list sync (and, with `ids`, those entries) past the TTL. */
const pastTtl = (user: TestUser, ids: string[] = []) =>
  until(
    () => withHook(user.sub, (hook) => ["list", ...ids].every((key) => hook.freshness(key) !== "fresh")),
    "the list sync past its TTL",
  );

describe("TTL (CACHE_TTL_SECONDS)", () => {
  it("serves hits within the TTL and revalidates after it", async () => {
    const user = await newUser({ assistants: 3 });
    await withTtl(user, 0.4);
    const calls = await upstreamCalls(user.key);
    await user.req("/api/assistants");
    const hit = await user.req("/api/assistants");
    expect(hit.headers.get("Cache-Status")).toMatch(/; hit; ttl=0$/);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);

    await pastTtl(user);
    const stale = await user.req("/api/assistants");
    expect(stale.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=stale; stored");
    expect((await listBody(stale)).cached).toBe(false);
    expect(await upstreamCalls(user.key)).toBe(calls + 2);
  });

  it("never answers a partial list: rows fetched one by one do not make a list hit (the seed's cached_at bug)", async () => {
    const user = await newUser({ assistants: 5 });
    // 1 s: the two rows read again below must still be fresh when checked, however loaded the machine.
    await withTtl(user, 1);
    const first = await listBody(await user.req("/api/assistants"));
    await pastTtl(user, first.assistants.map((a) => a.id));
    // Two rows become fresh again through single reads; the list sync itself is stale.
    for (const a of first.assistants.slice(0, 2)) {
      expect((await user.req(`/api/assistants/${a.id}`)).headers.get("Cache-Status")).toContain("fwd=stale");
    }
    // (Held in memory: an unchanged per-id refresh confirms the entry without rewriting its D1 row.)
    const fresh = await withHook(user.sub, (hook) => hook.ids().filter((id) => hook.freshness(id) === "fresh"));
    expect(fresh).toHaveLength(2);
    // Meanwhile someone created an assistant in Vapi directly.
    await fetch(`${env.EMULATOR_URL}/assistant`, {
      method: "POST",
      headers: { Authorization: `Bearer ${user.key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Made in Vapi's dashboard" }),
    });

    const list = await listBody(await user.req("/api/assistants"));
    expect(list.cached).toBe(false);
    expect(list.assistants).toHaveLength(6);
    expect(byId(list.assistants)).toEqual(byId(await vapiAssistants(user.key)));
  });

  it("an assistant deleted in Vapi behind the cache's back disappears at the next list sync, from D1 too", async () => {
    const user = await newUser({ assistants: 4 });
    await withTtl(user, 0.3);
    const first = await listBody(await user.req("/api/assistants"));
    const gone = first.assistants[2]!;
    await admin.deleteBehindBack(user.key, gone.id);
    await pastTtl(user);

    const next = await listBody(await user.req("/api/assistants"));
    expect(next.assistants.map((a) => a.id)).not.toContain(gone.id);
    expect(next.assistants).toHaveLength(3);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(gone.id);
  });

  it("an unknown id answers 404 and leaves the cache", async () => {
    const user = await newUser({ assistants: 2 });
    const first = await listBody(await user.req("/api/assistants"));
    const gone = first.assistants[0]!;
    await admin.deleteBehindBack(user.key, gone.id);

    const cached = await user.req(`/api/assistants/${gone.id}`);
    expect(OneBody.parse(await cached.json()).cached).toBe(true); // still fresh in the cache
    const revalidated = await user.req(`/api/assistants/${gone.id}`, { headers: { "Cache-Control": "no-cache" } });
    expect(revalidated.status).toBe(404);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(gone.id);
    expect((await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id)).not.toContain(gone.id);
  });
});
