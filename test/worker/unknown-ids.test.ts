import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { holdNextVapiAnswer, until } from "./gates";
import { admin, configure, ErrorBody, listBody, newUser, OneBody, type TestUser, upstreamCalls, vapiAssistants } from "./helpers";

const Stats = z.object({ hits: z.number(), misses: z.number(), coalesced: z.number() });
const stats = async (user: TestUser) => Stats.parse(await (await user.req("/api/cache/stats")).json());

describe("ids absent from a fresh complete list", () => {
  it("100 GETs of random ids are 404 from the cache with no Vapi call", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    const calls = await upstreamCalls(user.key);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => user.req(`/api/assistants/${crypto.randomUUID()}`)),
    );
    expect(await upstreamCalls(user.key)).toBe(calls);
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; hit; detail=not-in-list");
      expect(ErrorBody.parse(await res.json()).error.code).toBe("assistant_not_found");
    }
  });

  it("an assistant this user created after the list sync is served; one deleted is 404", async () => {
    const user = await newUser({ assistants: 2 });
    const [first] = (await listBody(await user.req("/api/assistants"))).assistants;
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "New" } })).json());
    await user.req(`/api/assistants/${first!.id}`, { method: "DELETE" });

    const got = await user.req(`/api/assistants/${created.assistant.id}`);
    expect(got.status).toBe(200);
    expect(OneBody.parse(await got.json()).assistant).toEqual(created.assistant);
    expect((await user.req(`/api/assistants/${first!.id}`)).status).toBe(404);
  });

  it("no-cache still asks Vapi: an assistant made in Vapi's dashboard after the sync is found", async () => {
    const user = await newUser({ assistants: 1 });
    await user.req("/api/assistants");
    const res = await fetch(`${env.EMULATOR_URL}/assistant`, {
      method: "POST",
      headers: { Authorization: `Bearer ${user.key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Made in Vapi" }),
    });
    const { id } = OneBody.shape.assistant.parse(await res.json());

    expect((await user.req(`/api/assistants/${id}`)).status).toBe(404); // as the fresh list says
    const revalidated = await user.req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } });
    expect(revalidated.status).toBe(200);
    expect((await user.req(`/api/assistants/${id}`)).status).toBe(200);
  });

  it("without a fresh list an unknown id still goes to Vapi: one list sync, whose complete list answers", async () => {
    const user = await newUser({ assistants: 1 });
    const calls = await upstreamCalls(user.key);
    const res = await user.req(`/api/assistants/${crypto.randomUUID()}`);
    expect([res.status, res.headers.get("Cache-Status")]).toEqual([404, "vapi-edge-cache; fwd=miss; detail=not-in-list"]);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    // That sync left a fresh complete list: the list itself is now a hit.
    expect((await listBody(await user.req("/api/assistants"))).cached).toBe(true);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });

  it("only a fresh list vouches: a stale one does not 404 an id created in Vapi since", async () => {
    const user = await newUser({ assistants: 2 });
    await user.req("/api/assistants");
    const made = await admin.createBehindBack(user.key, { name: "Made in Vapi" });
    await configure(user, { ttlMs: 0 }); // the list synced above is stale from now on
    const res = await user.req(`/api/assistants/${made.id}`);
    expect(res.status).toBe(200);
    expect(OneBody.parse(await res.json()).assistant).toEqual(made);
  });
});

describe("bounded amplification: ids the cache does not hold, while the list is not fresh (issue 18)", () => {
  it("100 GETs of ids, 10 at a time, against a cold list: at most 10 Vapi reads, every answer right", async () => {
    const user = await newUser({ assistants: 5 });
    const made = await admin.createBehindBack(user.key, { name: "Made in Vapi" });
    const real = await vapiAssistants(user.key);
    expect(real.map((a) => a.id)).toContain(made.id);
    // Every tenth GET is one of the user's real assistants, the others made up.
    const ids = Array.from({ length: 100 }, (_, i) => (i % 10 === 3 ? real[Math.floor(i / 10) % real.length]!.id : crypto.randomUUID()));
    const calls = await upstreamCalls(user.key);

    for (let batch = 0; batch < 100; batch += 10) {
      const slice = ids.slice(batch, batch + 10);
      const answers = await Promise.all(slice.map((id) => user.req(`/api/assistants/${id}`)));
      for (const [i, res] of answers.entries()) {
        const held = real.find((a) => a.id === slice[i]);
        if (held) {
          expect(res.status).toBe(200);
          expect(OneBody.parse(await res.json()).assistant).toEqual(held);
        } else {
          expect(res.status).toBe(404);
          expect(res.headers.get("Cache-Status")).toMatch(/; detail=not-in-list$/);
          expect(ErrorBody.parse(await res.json()).error.code).toBe("assistant_not_found");
        }
      }
    }
    expect((await upstreamCalls(user.key)) - calls).toBeLessThanOrEqual(10);
  });

  it("a stale list: every unknown id joins the one list sync under way, then the fresh list answers", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    const made = await admin.createBehindBack(user.key, { name: "Made in Vapi" });
    await configure(user, { ttlMs: 0 });
    const before = await stats(user);
    const calls = await upstreamCalls(user.key);

    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const first = user.req(`/api/assistants/${crypto.randomUUID()}`);
    await held.answered();
    const others = [made.id, ...Array.from({ length: 8 }, () => crypto.randomUUID())].map((id) => user.req(`/api/assistants/${id}`));
    await until(async () => (await stats(user)).coalesced === before.coalesced + 9, "9 reads joined the sync");
    await configure(user, { ttlMs: 300_000 }); // so the list this sync brings stays fresh
    held.release();

    const [firstRes, madeRes, ...rest] = await Promise.all([first, ...others]);
    expect([firstRes!.status, firstRes!.headers.get("Cache-Status")]).toEqual([404, "vapi-edge-cache; fwd=miss; detail=not-in-list"]);
    expect([madeRes!.status, madeRes!.headers.get("Cache-Status")]).toEqual([200, "vapi-edge-cache; fwd=miss; stored; collapsed"]);
    expect(OneBody.parse(await madeRes!.json()).assistant).toEqual(made);
    for (const res of rest) {
      expect([res.status, res.headers.get("Cache-Status")]).toEqual([404, "vapi-edge-cache; fwd=miss; collapsed; detail=not-in-list"]);
    }
    expect(await upstreamCalls(user.key)).toBe(calls + 1);

    // The sync left a fresh complete list: more made-up ids are 404 from it, with no Vapi call.
    const later = await Promise.all(Array.from({ length: 20 }, () => user.req(`/api/assistants/${crypto.randomUUID()}`)));
    expect(later.map((r) => r.headers.get("Cache-Status"))).toEqual(Array(20).fill("vapi-edge-cache; hit; detail=not-in-list"));
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
    expect(await stats(user)).toMatchObject({ misses: before.misses + 1, coalesced: before.coalesced + 9, hits: before.hits + 20 });
  });
});
