import { describe, expect, it } from "vitest";
import { admin, byId, d1Rows, fault, listBody, newUser, OneBody, vapiAssistants } from "./helpers";

describe("serialized writes", () => {
  it("writes from many concurrent clients reach Vapi one at a time, and all layers agree afterwards", async () => {
    const user = await newUser({ assistants: 5 });
    const all = (await listBody(await user.req("/api/assistants"))).assistants;
    // Four are edited twice; the fifth is deleted (requests race, so no write targets a deleted id).
    const assistants = all.slice(0, 4);
    const slow = await fault(user.key, { latencyMs: { min: 20, max: 40 } });

    const writes = [
      ...assistants.map((a, i) => user.req(`/api/assistants/${a.id}`, { method: "PATCH", json: { name: `Renamed ${i}` } })),
      ...Array.from({ length: 8 }, (_, i) => user.req("/api/assistants", { method: "POST", json: { name: `Created ${i}` } })),
      ...assistants.map((a, i) => user.req(`/api/assistants/${a.id}`, { method: "PATCH", json: { firstMessage: `Hello ${i}` } })),
      user.req(`/api/assistants/${all[4]!.id}`, { method: "DELETE" }),
    ];
    const statuses = (await Promise.all(writes)).map((r) => r.status);
    await slow.clear();
    expect(statuses.filter((s) => s >= 300)).toEqual([]);
    expect((await admin.requests()).maxInFlightWrites.byKey[user.key]).toBe(1);

    const vapi = await vapiAssistants(user.key);
    expect(vapi).toHaveLength(5 + 8 - 1);
    const hot = await listBody(await user.req("/api/assistants"));
    expect(hot.cached).toBe(true);
    expect(byId(hot.assistants)).toEqual(byId(vapi));
    expect(byId((await d1Rows(user.sub)).map((r) => r.assistant))).toEqual(byId(vapi));
    // Both edits of each surviving assistant landed (neither erased the other).
    for (const [i, a] of assistants.entries()) {
      expect(OneBody.parse(await (await user.req(`/api/assistants/${a.id}`)).json()).assistant).toMatchObject({
        name: `Renamed ${i}`,
        firstMessage: `Hello ${i}`,
      });
    }
  });
});
