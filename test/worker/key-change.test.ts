import { describe, expect, it } from "vitest";
import { holdNextD1Batch, until } from "./gates";
import { admin, d1Rows, d1Settled, ErrorBody, fault, listBody, newUser, upstreamCalls, vapiAssistants } from "./helpers";

const noCache = { headers: { "Cache-Control": "no-cache" } };
const ids = (list: { id: string }[]) => list.map((a) => a.id).sort();

// Regression: the key change bumped the generation, then awaited D1 before the key itself
// changed; a refresh started in that window read the old org under the new generation.
describe("a key change never lets the old org back in", () => {
  it("after DELETE /api/settings/vapi-key, a refresh started while D1 was slow answers 424 and caches nothing", async () => {
    const user = await newUser({ assistants: 3 });
    expect((await listBody(await user.req("/api/assistants"))).assistants).toHaveLength(3);
    await d1Settled(user.sub); // the read's own batch is not the one to hold
    const held = await holdNextD1Batch(user.sub);
    const removed = user.req("/api/settings/vapi-key", { method: "DELETE" });
    await held.entered(); // the cache drop is on its way to D1
    const calls = await upstreamCalls(user.key);
    const read = user.req("/api/assistants", noCache);
    // Fixed, it answers 424 at once; broken, it reads the old org and waits behind the held batch.
    await Promise.race([read, until(async () => (await upstreamCalls(user.key)) > calls, "the read reaching Vapi")]);
    held.release();

    expect((await removed).status).toBe(204);
    expect((await read).status).toBe(424);
    const later = await user.req("/api/assistants");
    expect(ErrorBody.parse(await later.json()).error.code).toBe("vapi_key_not_configured");
    expect(await d1Rows(user.sub)).toEqual([]);
  });

  it("after PUT of another org's key, a refresh started while D1 was slow serves only the new org", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    await d1Settled(user.sub);
    const next = `sk-test-${crypto.randomUUID()}`;
    await admin.registerOrg({ privateKey: next, assistants: 2 });
    const held = await holdNextD1Batch(user.sub);
    const switched = user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: next } });
    await held.entered();
    const [oldCalls, newCalls] = [await upstreamCalls(user.key), await upstreamCalls(next)];
    const read = user.req("/api/assistants", noCache);
    await until(async () => (await upstreamCalls(user.key)) > oldCalls || (await upstreamCalls(next)) > newCalls, "a read reaching Vapi");
    held.release();

    expect((await switched).status).toBe(204);
    const expected = ids(await vapiAssistants(next));
    expect(ids((await listBody(await read)).assistants)).toEqual(expected);
    expect(ids((await listBody(await user.req("/api/assistants"))).assistants)).toEqual(expected);
    expect(ids(await d1Rows(user.sub))).toEqual(expected);
  });

  it("reads in flight under the old key are discarded, and reads after the change do not join them", async () => {
    const user = await newUser({ assistants: 3 });
    const old = await vapiAssistants(user.key);
    const next = `sk-test-${crypto.randomUUID()}`;
    await admin.registerOrg({ privateKey: next, assistants: 2 });
    const slow = await fault(user.key, { latencyMs: { min: 400, max: 400 } });
    const calls = await upstreamCalls(user.key);
    const oldOne = user.req(`/api/assistants/${old[0]!.id}`, noCache);
    await until(async () => (await upstreamCalls(user.key)) === calls + 1, "the first read reaching Vapi");
    const oldList = user.req("/api/assistants", noCache);
    await until(async () => (await upstreamCalls(user.key)) === calls + 2, "the second read reaching Vapi");

    expect((await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: next } })).status).toBe(204);
    const fresh = await user.req("/api/assistants");
    expect(fresh.status).toBe(200);
    expect(ids((await listBody(fresh)).assistants)).toEqual(ids(await vapiAssistants(next)));
    expect([(await oldOne).status, (await oldList).status]).toEqual([503, 503]);
    await slow.clear();

    expect((await user.req(`/api/assistants/${old[0]!.id}`)).status).toBe(404);
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(ids(after.assistants)).toEqual(ids(await vapiAssistants(next)));
    expect(ids(await d1Rows(user.sub))).toEqual(ids(await vapiAssistants(next)));
  });
});
