import { describe, expect, it } from "vitest";
import { holdNextVapiAnswer, until } from "./gates";
import { d1Rows, admin, listBody, newUser, OneBody, type TestUser, vapiAssistants, withHook } from "./helpers";

// Refreshes "slow on the way back" are held by a gate after Vapi answered (gates.ts): the test
// knows the old version was read before it writes, and that the refresh is still in flight.

/** How many reads have joined another read's upstream call so far (GET /api/cache/stats). */
const coalesced = async (user: TestUser) =>
  ((await (await user.req("/api/cache/stats")).json()) as { coalesced: number }).coalesced;

describe("refreshes never undo acknowledged writes", () => {
  it("no resurrection: a delete acknowledged during a slow list refresh stays deleted", async () => {
    const user = await newUser({ assistants: 4 });
    const victim = (await vapiAssistants(user.key))[1]!;
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered(); // the list has been read upstream; its answer is on its way
    const del = await user.req(`/api/assistants/${victim.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    held.release();
    const listed = await listBody(await refresh);

    expect(listed.assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
  });

  it("no lost create: a create acknowledged during a slow list refresh is kept", async () => {
    const user = await newUser({ assistants: 3 });
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered();
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Born mid-refresh" } })).json());
    held.release();
    const listed = await listBody(await refresh);

    expect(listed.assistants.map((a) => a.id)).toContain(created.assistant.id);
    const again = await listBody(await user.req("/api/assistants"));
    expect(again.cached).toBe(true);
    expect(again.assistants).toHaveLength(4);
    expect((await d1Rows(user.sub)).map((r) => r.id)).toContain(created.assistant.id);
  });

  it("read-your-writes: a read that joins a refresh begun before the write still sees the write", async () => {
    const user = await newUser({ assistants: 2 });
    const target = (await vapiAssistants(user.key))[0]!;
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered(); // the list, with the old name, has been read upstream
    const patched = await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Patched by tab B" } });
    expect(patched.status).toBe(200);
    // "Tab C" reads after the write was acknowledged; the list is still in flight, so it joins it.
    const joined = await coalesced(user);
    const tabCRes = user.req("/api/assistants");
    await until(async () => (await coalesced(user)) === joined + 1, "tab C joined the refresh");
    held.release();
    const tabCAnswer = await tabCRes;
    expect(tabCAnswer.headers.get("Cache-Status")).toContain("collapsed");
    const tabC = await listBody(tabCAnswer);
    expect((await refresh).status).toBe(200);
    expect(tabC.assistants.find((a) => a.id === target.id)?.name).toBe("Patched by tab B");
    const one = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`)).json());
    expect(one.assistant.name).toBe("Patched by tab B");
  });

  it("monotonic versions: a slow read of an old version never replaces a newer one", async () => {
    const user = await newUser({ assistants: 2 });
    const target = (await vapiAssistants(user.key))[0]!;
    await user.req("/api/assistants");
    const held = await holdNextVapiAnswer(user.sub, "get");
    const oldRead = user.req(`/api/assistants/${target.id}`, noCache);
    await held.answered(); // the old version has been read upstream; its answer is on its way back
    await admin.patchBehindBack(user.key, target.id, { name: "Newer, from Vapi" });
    const sync = await listBody(await user.req("/api/assistants", noCache));
    expect(sync.assistants.find((a) => a.id === target.id)?.name).toBe("Newer, from Vapi");
    held.release();
    expect((await oldRead).status).toBe(200);

    const now = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`)).json());
    expect(now).toMatchObject({ cached: true, assistant: { name: "Newer, from Vapi" } });
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant.name).toBe("Newer, from Vapi");
  });

  // Regression: HotLayer.write put the write's answer back over a newer version a refresh held.
  it("monotonic versions: a write's late answer never replaces a newer version, in memory or D1", async () => {
    const user = await newUser({ assistants: 2 });
    const target = (await vapiAssistants(user.key))[0]!;
    await user.req("/api/assistants");
    const held = await holdNextVapiAnswer(user.sub, "update");
    const patch = user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "v1, through the cache" } });
    await held.answered(); // Vapi has v1; its answer is slow on the way back
    await admin.patchBehindBack(user.key, target.id, { name: "v2, from the dashboard" });
    const read = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`, noCache)).json());
    expect(read.assistant.name).toBe("v2, from the dashboard");
    held.release();
    const patched = await patch;

    // The client still gets its own write's answer; the cache keeps the newer version.
    expect(OneBody.parse(await patched.json()).assistant.name).toBe("v1, through the cache");
    const now = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`)).json());
    expect(now).toMatchObject({ cached: true, assistant: { name: "v2, from the dashboard" } });
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant.name).toBe("v2, from the dashboard");
  });

  it("no resurrection: two deletes during one slow list refresh both stay deleted", async () => {
    const user = await newUser({ assistants: 4 });
    const [, first, second] = await vapiAssistants(user.key);
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered(); // the list, both victims included, is on its way back
    expect((await user.req(`/api/assistants/${first!.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await user.req(`/api/assistants/${second!.id}`, { method: "DELETE" })).status).toBe(200);
    held.release();
    const listed = await listBody(await refresh);

    for (const ids of [listed.assistants.map((a) => a.id), (await d1Rows(user.sub)).map((r) => r.id)]) {
      expect(ids).toHaveLength(2);
      expect(ids).not.toContain(first!.id);
      expect(ids).not.toContain(second!.id);
    }
  });

  // Regression: a per-id 404 removed the entry without a tombstone, so an older list re-added it.
  it("no resurrection: an id found gone by a per-id read is not re-added by an older list in flight", async () => {
    const user = await newUser({ assistants: 3 });
    const victim = (await vapiAssistants(user.key))[0]!;
    const held = await holdNextVapiAnswer(user.sub, "listAll");
    const refresh = user.req("/api/assistants", noCache);
    await held.answered(); // the list has read the victim
    await admin.deleteBehindBack(user.key, victim.id);
    // A nested patch needs the current version: an uncached id is read from Vapi, which says 404.
    const patch = await user.req(`/api/assistants/${victim.id}`, { method: "PATCH", json: { metadata: { a: 1 } } });
    expect(patch.status).toBe(404);
    held.release();
    const listed = await listBody(await refresh);

    expect(listed.assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await user.req(`/api/assistants/${victim.id}`)).status).toBe(404);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
  });

  // Regression: ids dropped by a list sync left no tombstone, so an older per-id read re-added them.
  it("no resurrection: an id a list sync dropped is not re-added by an older per-id read in flight", async () => {
    const user = await newUser({ assistants: 3 });
    const victim = (await vapiAssistants(user.key))[0]!;
    await user.req("/api/assistants");
    const held = await holdNextVapiAnswer(user.sub, "get");
    const oldRead = user.req(`/api/assistants/${victim.id}`, noCache);
    await held.answered(); // Vapi still had the victim when it was read
    await admin.deleteBehindBack(user.key, victim.id);
    const synced = await listBody(await user.req("/api/assistants", noCache));
    expect(synced.assistants.map((a) => a.id)).not.toContain(victim.id);
    held.release();
    await oldRead;

    expect((await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await user.req(`/api/assistants/${victim.id}`)).status).toBe(404);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
  });

  // Regression: tombstones were pruned only when a refresh ended, so deletes of ids Vapi does
  // not know (404) piled up for as long as no refresh ran.
  it("deletes with no refresh in flight leave no tombstones behind", async () => {
    const user = await newUser({ assistants: 1 });
    const tombstones = () => withHook(user.sub, (hook) => hook.tombstones());
    for (let i = 0; i < 5; i++) {
      expect((await user.req(`/api/assistants/${crypto.randomUUID()}`, { method: "DELETE" })).status).toBe(404);
    }
    expect(await tombstones()).toBe(0);
    const [only] = await vapiAssistants(user.key);
    expect((await user.req(`/api/assistants/${only!.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await tombstones()).toBe(0);
  });
});

const noCache = { headers: { "Cache-Control": "no-cache" } };
