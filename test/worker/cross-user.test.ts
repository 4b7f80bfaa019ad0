import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { breakD1For } from "./gates";
import { admin, d1Rows, d1Settled, listBody, newUser, stubFor, vapiAssistants } from "./helpers";

const noCache = { headers: { "Cache-Control": "no-cache" } };

// Both users' rows share one D1 (each test file has its own storage, so only a test that puts
// two users side by side can see one user's statement touch the other's rows).
describe("one user's cache maintenance never touches another user's rows", () => {
  it("Alice's rows survive Bob's list sync, repair and key removal, and her rehydration loads only hers", async () => {
    const alice = await newUser({ assistants: 3 });
    const bob = await newUser({ assistants: 3 });
    const aliceList = await listBody(await alice.req("/api/assistants"));
    const bobList = await listBody(await bob.req("/api/assistants"));
    const aliceRows = await d1Rows(alice.sub);
    expect(aliceRows).toHaveLength(3);

    // Bob's sync drops an assistant deleted behind the cache's back.
    await admin.deleteBehindBack(bob.key, bobList.assistants[0]!.id);
    expect((await listBody(await bob.req("/api/assistants", noCache))).assistants).toHaveLength(2);
    expect(await d1Rows(alice.sub)).toEqual(aliceRows);

    // Bob's D1 write fails, and his alarm rewrites his rows from memory.
    await d1Settled(bob.sub); // the sync's batch lands before D1 breaks
    const fixD1 = await breakD1For(bob.sub);
    const patched = await bob.req(`/api/assistants/${bobList.assistants[1]!.id}`, { method: "PATCH", json: { name: "Bob's" } });
    expect(patched.status).toBe(200);
    await fixD1();
    expect(await runDurableObjectAlarm(stubFor(bob.sub))).toBe(true);
    expect((await d1Rows(bob.sub)).map((r) => r.assistant.name)).toContain("Bob's");
    expect(await d1Rows(alice.sub)).toEqual(aliceRows);

    // Alice restarts: her list comes from D1, and holds her assistants only.
    await evictDurableObject(stubFor(alice.sub));
    const rehydrated = await listBody(await alice.req("/api/assistants"));
    expect(rehydrated).toEqual({ ...aliceList, cached: true });

    // Bob removes his key, which drops his cache.
    expect((await bob.req("/api/settings/vapi-key", { method: "DELETE" })).status).toBe(204);
    expect(await d1Rows(bob.sub)).toEqual([]);
    expect(await d1Rows(alice.sub)).toEqual(aliceRows);
    expect((await vapiAssistants(alice.key)).map((a) => a.id).sort()).toEqual(aliceRows.map((r) => r.id));
  });
});
