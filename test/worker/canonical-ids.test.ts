import { describe, expect, it } from "vitest";
import { d1Rows, listBody, newUser, OneBody, upstreamCalls, vapiAssistants } from "./helpers";

// Regression (issue #11, item 1): an upper-case id split the cache. GET answered 404 for an
// assistant that was cached, and DELETE removed it from Vapi but left the lower-case entry
// served as a hit and listed.
describe("an assistant id in upper case is the same assistant", () => {
  it("GET with the upper-case id is a hit on the cached assistant", async () => {
    const user = await newUser({ assistants: 2 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const target = assistants[0]!;
    const before = await upstreamCalls(user.key);

    const res = await user.req(`/api/assistants/${target.id.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Status")).toMatch(/; hit; ttl=/);
    expect(OneBody.parse(await res.json())).toEqual({ assistant: target, cached: true });
    expect(await upstreamCalls(user.key)).toBe(before);
  });

  it("DELETE with the upper-case id removes it from Vapi, the list and D1", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const target = assistants[1]!;

    const res = await user.req(`/api/assistants/${target.id.toUpperCase()}`, { method: "DELETE" });
    expect(res.status).toBe(200);

    const ids = (await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id);
    expect(ids).not.toContain(target.id);
    expect(ids).toHaveLength(2);
    expect((await user.req(`/api/assistants/${target.id}`)).status).toBe(404);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(target.id);
    expect((await vapiAssistants(user.key)).map((a) => a.id)).not.toContain(target.id);
  });
});
