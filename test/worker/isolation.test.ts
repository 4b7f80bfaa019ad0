import { describe, expect, it } from "vitest";
import { d1Rows, ErrorBody, listBody, newUser, OneBody } from "./helpers";

describe("isolation between users", () => {
  it("two users sharing one Vapi key keep separate rows: one's writes never overwrite or evict the other's", async () => {
    const alice = await newUser({ assistants: 3 });
    const bob = await newUser({ key: alice.key });
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
});
