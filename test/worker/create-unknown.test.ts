import { describe, expect, it } from "vitest";
import { until } from "./gates";
import { configure, ErrorBody, fault, listBody, newUser, OneBody, vapiAssistants } from "./helpers";

// A create whose outcome is unknown (Vapi never answered; issue 21): what the cache says after it.

describe("after 504 vapi_create_unknown", () => {
  it("the list is no longer vouched for: the next read asks Vapi, and the new id is no negative answer", async () => {
    const user = await newUser({ assistants: 1 });
    const warm = await user.req("/api/assistants");
    expect((await listBody(warm)).assistants).toHaveLength(1);
    // The cache stops waiting after 150 ms and looks for the marker for 200 ms; Vapi applies the POST after 1 s.
    await configure(user, { vapiTimeoutMs: 150, retryBudgetMs: 200 });
    const slow = await fault(user.key, { latencyMs: { min: 1000, max: 1000 }, routes: ["POST /assistant"] });
    const res = await user.req("/api/assistants", { method: "POST", json: { name: "Landed late" } });
    expect(res.status).toBe(504);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_create_unknown");
    await until(async () => (await vapiAssistants(user.key)).length === 2, "the slow create landing in Vapi");
    await slow.clear();
    const created = (await vapiAssistants(user.key)).find((a) => a.name === "Landed late")!;

    // What the error's own advice ("check the list before creating it again") finds.
    const list = await user.req("/api/assistants");
    expect(list.headers.get("Cache-Status")).toContain("fwd=");
    expect((await listBody(list)).assistants.map((a) => a.id)).toContain(created.id);
    const one = await user.req(`/api/assistants/${created.id}`);
    expect(one.status).toBe(200);
    expect(OneBody.parse(await one.json()).assistant.id).toBe(created.id);
  });

  it("the lost create is never answered with an earlier create of the same user (the marker must match)", async () => {
    const user = await newUser();
    // Every create through the cache carries a marker: this one is in Vapi, created seconds ago.
    const earlier = await user.req("/api/assistants", { method: "POST", json: { name: "Earlier" } });
    expect(earlier.status).toBe(201);
    await configure(user, { vapiTimeoutMs: 150, retryBudgetMs: 200 });
    const lost = await fault(user.key, { hangRate: 1, routes: ["POST /assistant"] });
    const res = await user.req("/api/assistants", { method: "POST", json: { name: "Never sent" } });
    await lost.clear();
    expect(res.status).toBe(504);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_create_unknown");
    expect((await vapiAssistants(user.key)).map((a) => a.name)).toEqual(["Earlier"]);
  });
});
