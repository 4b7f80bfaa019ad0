import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configure, d1Rows, d1Settled, ErrorBody, listBody, newUser, OneBody, stubFor, upstreamCalls, vapiAssistants } from "./helpers";

describe("isolation between users", () => {
  it("two users sharing one Vapi key keep separate rows: one's writes never overwrite or evict the other's", async () => {
    const alice = await newUser({ assistants: 3 });
    const bob = await newUser({ key: alice.key });
    // Storage isolation alone: with team coordination (issue 20, teams*.test.ts) Bob's coordinator
    // would take Alice's writes into his own rows; off, nothing of hers may reach them.
    for (const u of [alice, bob]) await configure(u, { teamTimeoutMs: 0 });
    const aliceList = await listBody(await alice.req("/api/assistants"));
    const bobList = await listBody(await bob.req("/api/assistants"));
    expect(bobList.assistants).toEqual(aliceList.assistants);
    const [shared, doomed] = aliceList.assistants;

    await alice.req(`/api/assistants/${shared!.id}`, { method: "PATCH", json: { name: "Alice's rename" } });
    await alice.req(`/api/assistants/${doomed!.id}`, { method: "DELETE" });

    // Bob's cache entries are his own: Alice's write-through neither changed nor removed them.
    const bobRows = await d1Rows(bob.sub);
    expect(bobRows.find((r) => r.id === shared!.id)?.assistant.name).toBe(shared!.name);
    expect(bobRows.map((r) => r.id)).toContain(doomed!.id);
    expect((await d1Rows(alice.sub)).find((r) => r.id === shared!.id)?.assistant.name).toBe("Alice's rename");
    // ...and when Bob revalidates he sees Vapi's truth.
    const fresh = await listBody(await bob.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
    expect(fresh.assistants.find((a) => a.id === shared!.id)?.name).toBe("Alice's rename");
    expect(fresh.assistants.map((a) => a.id)).not.toContain(doomed!.id);
  });

  it("users with different keys never see each other's assistants, even by id", async () => {
    const alice = await newUser({ assistants: 2 });
    const mallory = await newUser({ assistants: 2 });
    const aliceList = await listBody(await alice.req("/api/assistants"));
    const malloryList = await listBody(await mallory.req("/api/assistants"));
    const aliceIds = aliceList.assistants.map((a) => a.id);
    expect(malloryList.assistants.map((a) => a.id).some((id) => aliceIds.includes(id))).toBe(false);

    const target = aliceIds[0]!;
    const peek = await mallory.req(`/api/assistants/${target}`);
    expect(peek.status).toBe(404);
    const write = await mallory.req(`/api/assistants/${target}`, { method: "PATCH", json: { name: "Hijacked" } });
    expect(write.status).toBe(404);
    expect(ErrorBody.parse(await write.json()).error.code).toBe("assistant_not_found");
    expect(OneBody.parse(await (await alice.req(`/api/assistants/${target}`)).json()).assistant.name).not.toBe("Hijacked");
  });

  it("another user cannot delete an assistant by id, even while its owner has it cached", async () => {
    const alice = await newUser({ assistants: 2 });
    const mallory = await newUser({ assistants: 1 });
    const target = (await listBody(await alice.req("/api/assistants"))).assistants[0]!.id;
    await mallory.req("/api/assistants");

    const del = await mallory.req(`/api/assistants/${target}`, { method: "DELETE" });
    expect(del.status).toBe(404);
    expect(ErrorBody.parse(await del.json()).error.code).toBe("assistant_not_found");
    expect((await vapiAssistants(alice.key)).map((a) => a.id)).toContain(target);
    expect((await d1Rows(alice.sub)).map((r) => r.id)).toContain(target);
    expect((await d1Rows(mallory.sub)).map((r) => r.id)).not.toContain(target);
    expect((await alice.req(`/api/assistants/${target}`)).status).toBe(200);
  });

  it("after an eviction a coordinator rehydrates only its own user's D1 rows", async () => {
    const alice = await newUser({ assistants: 3 });
    const mallory = await newUser({ assistants: 1 });
    const aliceIds = (await listBody(await alice.req("/api/assistants"))).assistants.map((a) => a.id);
    const mine = (await listBody(await mallory.req("/api/assistants"))).assistants.map((a) => a.id);
    await d1Settled(mallory.sub);
    await evictDurableObject(stubFor(mallory.sub));

    const calls = await upstreamCalls(mallory.key);
    const after = await listBody(await mallory.req("/api/assistants"));
    expect(await upstreamCalls(mallory.key)).toBe(calls); // served from D1...
    expect(after.assistants.map((a) => a.id)).toEqual(mine); // ...and only Mallory's rows
    for (const id of aliceIds) expect((await mallory.req(`/api/assistants/${id}`)).status).toBe(404);
  });

  it("a stored key copied into another user's settings row does not open (bound to its owner)", async () => {
    const alice = await newUser({ assistants: 2 });
    const mallory = await newUser({ assistants: 0 });
    await env.DB.prepare(
      `UPDATE user_settings SET (vapi_key_ciphertext, vapi_key_iv, vapi_key_kid, vapi_key_last4) =
         (SELECT vapi_key_ciphertext, vapi_key_iv, vapi_key_kid, vapi_key_last4 FROM user_settings WHERE user_id = ?1)
       WHERE user_id = ?2`,
    ).bind(alice.sub, mallory.sub).run();
    await evictDurableObject(stubFor(mallory.sub));

    const aliceCalls = await upstreamCalls(alice.key);
    const res = await mallory.req("/api/assistants");
    expect(res.status).toBe(424);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_key_not_configured");
    expect(await upstreamCalls(alice.key)).toBe(aliceCalls); // Alice's key was never used for Mallory
  });
});
