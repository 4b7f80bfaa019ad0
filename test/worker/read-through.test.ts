import { describe, expect, it } from "vitest";
import { byId, d1Rows, admin, isNewestFirst, listBody, newUser, OneBody, upstreamCalls, vapiAssistants } from "./helpers";

describe("cache-first reads", () => {
  it("serves the list from Vapi once, then from the cache, with the seed's shape", async () => {
    const user = await newUser({ assistants: 7 });
    const before = await upstreamCalls(user.key);

    const cold = await user.req("/api/assistants");
    expect(cold.status).toBe(200);
    expect(cold.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=miss; stored");
    expect(cold.headers.get("Server-Timing")).toMatch(/cache;dur=[\d.]+, d1;dur=[\d.]+, vapi;dur=[\d.]+/);
    const first = await listBody(cold);
    expect(first.cached).toBe(false);
    expect(byId(first.assistants)).toEqual(byId(await vapiAssistants(user.key)));
    expect(isNewestFirst(first.assistants)).toBe(true);

    const warm = await user.req("/api/assistants");
    expect(warm.headers.get("Cache-Status")).toMatch(/^vapi-edge-cache; hit; ttl=\d+$/);
    const second = await listBody(warm);
    expect(second).toEqual({ assistants: first.assistants, etags: first.etags, cached: true });
    expect(await upstreamCalls(user.key)).toBe(before + 1);
    expect((await d1Rows(user.sub)).map((r) => r.id).sort()).toEqual(first.assistants.map((a) => a.id).sort());
  });

  it("serves a single assistant from the list sync without asking Vapi again", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const before = await upstreamCalls(user.key);
    const target = assistants[1]!;
    const res = await user.req(`/api/assistants/${target.id}`);
    expect(res.status).toBe(200);
    expect(OneBody.parse(await res.json())).toEqual({ assistant: target, cached: true });
    expect(await upstreamCalls(user.key)).toBe(before);
  });

  it("fetches a single assistant on a miss and caches it", async () => {
    const user = await newUser({ assistants: 2 });
    const [target] = await vapiAssistants(user.key);
    const miss = await user.req(`/api/assistants/${target!.id}`);
    expect(OneBody.parse(await miss.json())).toEqual({ assistant: target, cached: false });
    const hit = await user.req(`/api/assistants/${target!.id}`);
    expect(OneBody.parse(await hit.json()).cached).toBe(true);
    expect(hit.headers.get("Cache-Status")).toMatch(/; hit; ttl=/);
  });

  it("revalidates with Vapi when the request says Cache-Control: no-cache", async () => {
    const user = await newUser({ assistants: 2 });
    await user.req("/api/assistants");
    const [target] = await vapiAssistants(user.key);
    await admin.patchBehindBack(user.key, target!.id, { name: "Edited in Vapi" });

    const cached = await listBody(await user.req("/api/assistants"));
    expect(cached.assistants.find((a) => a.id === target!.id)?.name).toBe(target!.name);

    const res = await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; fwd=request; stored");
    const fresh = await listBody(res);
    expect(fresh.cached).toBe(false);
    expect(fresh.assistants.find((a) => a.id === target!.id)?.name).toBe("Edited in Vapi");
  });

  it("pages the Vapi list to the end (250 assistants, pages of 100, shared timestamps)", async () => {
    const user = await newUser({ assistants: 250 });
    const before = await upstreamCalls(user.key);
    const { assistants } = await listBody(await user.req("/api/assistants"));
    expect(assistants).toHaveLength(250);
    expect(new Set(assistants.map((a) => a.id)).size).toBe(250);
    expect(await upstreamCalls(user.key)).toBe(before + 3);
  });
});
