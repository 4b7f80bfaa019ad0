import { describe, expect, it } from "vitest";
import { admin, configure, ErrorBody, fault, ListBody, listBody, newUser, OneBody, upstreamCalls, vapiAssistants } from "./helpers";

const Conflict = ErrorBody.extend({ assistant: OneBody.shape.assistant });

describe("validators (ETag, If-None-Match, If-Match)", () => {
  it("answers a fresh If-None-Match with 304, no body and no Vapi call; a changed one with 200", async () => {
    const user = await newUser({ assistants: 2 });
    const first = await user.req("/api/assistants");
    const listTag = first.headers.get("ETag")!;
    expect(listTag).toMatch(/^"[^"]+"$/);
    expect(first.headers.get("Cache-Control")).toBe("private, no-cache");
    const [a] = (await listBody(first)).assistants;
    const one = await user.req(`/api/assistants/${a!.id}`);
    const tag = one.headers.get("ETag")!;
    const calls = await upstreamCalls(user.key);

    const same = await user.req(`/api/assistants/${a!.id}`, { headers: { "If-None-Match": tag } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe("");
    expect(same.headers.get("ETag")).toBe(tag);
    const sameList = await user.req("/api/assistants", { headers: { "If-None-Match": `W/${listTag}, "other"` } });
    expect(sameList.status).toBe(304);
    expect(await upstreamCalls(user.key)).toBe(calls);

    const patched = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Changed" } });
    const newTag = patched.headers.get("ETag")!;
    expect(newTag).not.toBe(tag);
    const changed = await user.req(`/api/assistants/${a!.id}`, { headers: { "If-None-Match": tag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).toBe(newTag);
    expect(OneBody.parse(await changed.json()).assistant.name).toBe("Changed");
    const list = await user.req("/api/assistants", { headers: { "If-None-Match": listTag } });
    expect(list.status).toBe(200);
    expect(list.headers.get("ETag")).not.toBe(listTag);
  });

  it("of N tabs that PATCH the same field with If-Match of one version, exactly one wins and Vapi gets one write", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const tag = (await user.req(`/api/assistants/${a!.id}`)).headers.get("ETag")!;
    const calls = await upstreamCalls(user.key);
    const slow = await fault(user.key, { latencyMs: { min: 10, max: 30 } });
    const n = 8;
    const answers = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "If-Match": tag }, json: { name: `Tab ${i}` } }),
      ),
    );
    await slow.clear();
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(n - 1);

    const winner = OneBody.parse(await answers[statuses.indexOf(200)]!.json()).assistant;
    const winnerTag = answers[statuses.indexOf(200)]!.headers.get("ETag");
    for (const res of answers.filter((r) => r.status === 412)) {
      const body = Conflict.parse(await res.json());
      expect(body.error.code).toBe("precondition_failed");
      // The losing tab gets the version that beat it, to show both to its user.
      expect(body.assistant).toEqual(winner);
      expect(res.headers.get("ETag")).toBe(winnerTag);
    }
    const vapi = await vapiAssistants(user.key);
    expect(vapi[0]!.name).toBe(winner.name);
    // The cached version was fresh, so the one call is the winner's PATCH: no read, no losing write.
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });

  it("a list gives each assistant's ETag beside Vapi's objects: a PATCH with it from the list wins, a stale one is 412", async () => {
    const user = await newUser({ assistants: 3 });
    const res = await user.req("/api/assistants");
    const raw = (await res.json()) as Record<string, unknown>;
    // Vapi's objects untouched, the seed's keys kept; the validators sit beside them.
    expect(Object.keys(raw).sort()).toEqual(["assistants", "cached", "etags"]);
    const list = ListBody.parse(raw);
    expect(list.assistants.every((a) => !("etag" in a))).toBe(true);
    expect(Object.keys(list.etags)).toEqual(list.assistants.map((a) => a.id));
    for (const a of list.assistants) {
      expect((await user.req(`/api/assistants/${a.id}`)).headers.get("ETag")).toBe(list.etags[a.id]);
    }

    const [a, b] = list.assistants;
    const edited = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "If-Match": list.etags[a!.id]! }, json: { name: "From the list" } });
    expect(edited.status).toBe(200);
    const calls = await upstreamCalls(user.key);
    const stale = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "If-Match": list.etags[a!.id]! }, json: { name: "Stale" } });
    expect(stale.status).toBe(412);
    expect(await upstreamCalls(user.key)).toBe(calls);

    // The next list (a hit, its string rebuilt after the write) names the new version; the others keep theirs.
    const again = await listBody(await user.req("/api/assistants"));
    expect(again.cached).toBe(true);
    expect(again.etags[a!.id]).toBe(edited.headers.get("ETag"));
    expect(again.etags[b!.id]).toBe(list.etags[b!.id]);
  });

  it("refuses a DELETE with a stale If-Match and sends nothing to Vapi; the current tag deletes", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const old = (await user.req(`/api/assistants/${a!.id}`)).headers.get("ETag")!;
    const current = (await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "Newer" } })).headers.get("ETag")!;
    const calls = await upstreamCalls(user.key);
    const refused = await user.req(`/api/assistants/${a!.id}`, { method: "DELETE", headers: { "If-Match": old } });
    expect(refused.status).toBe(412);
    expect(Conflict.parse(await refused.json()).assistant.name).toBe("Newer");
    expect(await upstreamCalls(user.key)).toBe(calls);
    const deleted = await user.req(`/api/assistants/${a!.id}`, { method: "DELETE", headers: { "If-Match": current } });
    expect(deleted.status).toBe(200);
    expect(await vapiAssistants(user.key)).toEqual([]);
  });

  it("compares If-Match with Vapi's current version: a tag the stale cache still holds but Vapi has moved past is refused", async () => {
    const user = await newUser({ assistants: 2 });
    const [a, b] = (await listBody(await user.req("/api/assistants"))).assistants;
    const tagOf = async (id: string) => (await user.req(`/api/assistants/${id}`)).headers.get("ETag")!;
    const [tagA, tagB] = [await tagOf(a!.id), await tagOf(b!.id)];
    for (const x of [a!, b!]) await admin.patchBehindBack(user.key, x.id, { name: `${x.name} (edited in Vapi)` });
    const inVapi = await vapiAssistants(user.key);
    await configure(user, { ttlMs: 0 });

    const patch = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "If-Match": tagA }, json: { name: "Mine" } });
    expect(patch.status).toBe(412);
    expect(Conflict.parse(await patch.json()).assistant.name).toBe(`${a!.name} (edited in Vapi)`);
    const removed = await user.req(`/api/assistants/${b!.id}`, { method: "DELETE", headers: { "If-Match": tagB } });
    expect(removed.status).toBe(412);
    expect(await vapiAssistants(user.key)).toEqual(inVapi);
  });

  it("compares If-Match on an id the cache has not read yet with Vapi's version rather than skipping it", async () => {
    const user = await newUser({ assistants: 2 });
    const [a, b] = await vapiAssistants(user.key);
    const wrong = '"not-its-tag"';
    const patch = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "If-Match": wrong }, json: { name: "Mine" } });
    expect(patch.status).toBe(412);
    expect(Conflict.parse(await patch.json()).assistant).toEqual(a);
    const removed = await user.req(`/api/assistants/${b!.id}`, { method: "DELETE", headers: { "If-Match": wrong } });
    expect(removed.status).toBe(412);
    expect(Conflict.parse(await removed.json()).assistant).toEqual(b);
    expect(await vapiAssistants(user.key)).toEqual([a, b]);
  });
});
