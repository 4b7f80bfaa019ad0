import { describe, expect, it } from "vitest";
import { d1Rows, admin, fault, listBody, newUser, OneBody, sleep, vapiAssistants } from "./helpers";

// A refresh that is slow on the way back: the emulator reads its answer when the request
// arrives and delivers it after the latency, as a slow network would.
const slowList = (key: string) => fault(key, { latencyMs: { min: 400, max: 400 }, routes: ["GET /assistant"] });

describe("refreshes never undo acknowledged writes", () => {
  it("no resurrection: a delete acknowledged during a slow list refresh stays deleted", async () => {
    const user = await newUser({ assistants: 4 });
    const victim = (await vapiAssistants(user.key))[1]!;
    const slow = await slowList(user.key);
    const refresh = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await sleep(100); // the list has been read upstream; its answer is on its way
    const del = await user.req(`/api/assistants/${victim.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    const listed = await listBody(await refresh);
    await slow.clear();

    expect(listed.assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await listBody(await user.req("/api/assistants"))).assistants.map((a) => a.id)).not.toContain(victim.id);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(victim.id);
  });

  it("no lost create: a create acknowledged during a slow list refresh is kept", async () => {
    const user = await newUser({ assistants: 3 });
    const slow = await slowList(user.key);
    const refresh = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await sleep(100);
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Born mid-refresh" } })).json());
    const listed = await listBody(await refresh);
    await slow.clear();

    expect(listed.assistants.map((a) => a.id)).toContain(created.assistant.id);
    const again = await listBody(await user.req("/api/assistants"));
    expect(again.cached).toBe(true);
    expect(again.assistants).toHaveLength(4);
    expect((await d1Rows(user.sub)).map((r) => r.id)).toContain(created.assistant.id);
  });

  it("read-your-writes: a read that joins a refresh begun before the write still sees the write", async () => {
    const user = await newUser({ assistants: 2 });
    const target = (await vapiAssistants(user.key))[0]!;
    const slow = await slowList(user.key);
    const refresh = user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await sleep(100);
    const patched = await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Patched by tab B" } });
    expect(patched.status).toBe(200);
    // "Tab C" reads after the write was acknowledged; the list is still in flight, so it joins it.
    const tabC = await listBody(await user.req("/api/assistants"));
    await refresh;
    await slow.clear();
    expect(tabC.assistants.find((a) => a.id === target.id)?.name).toBe("Patched by tab B");
    const one = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`)).json());
    expect(one.assistant.name).toBe("Patched by tab B");
  });

  it("monotonic versions: a slow read of an old version never replaces a newer one", async () => {
    const user = await newUser({ assistants: 2 });
    const target = (await vapiAssistants(user.key))[0]!;
    await user.req("/api/assistants");
    const slowOne = await fault(user.key, { latencyMs: { min: 400, max: 400 }, routes: ["GET /assistant/:id"] });
    const oldRead = user.req(`/api/assistants/${target.id}`, { headers: { "Cache-Control": "no-cache" } });
    await sleep(100); // the old version has been read upstream
    await admin.patchBehindBack(user.key, target.id, { name: "Newer, from Vapi" });
    const sync = await listBody(await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } }));
    expect(sync.assistants.find((a) => a.id === target.id)?.name).toBe("Newer, from Vapi");
    await oldRead;
    await slowOne.clear();

    const now = OneBody.parse(await (await user.req(`/api/assistants/${target.id}`)).json());
    expect(now).toMatchObject({ cached: true, assistant: { name: "Newer, from Vapi" } });
    expect((await d1Rows(user.sub)).find((r) => r.id === target.id)?.assistant.name).toBe("Newer, from Vapi");
  });
});
