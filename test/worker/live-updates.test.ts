import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, call, configure, ErrorBody, listBody, newUser, OneBody, stubFor, token, uid } from "./helpers";
import { type Message, openTab, seqOf } from "./tabs";

const isEvent = (m: Message) => m.type === "created" || m.type === "updated" || m.type === "deleted";

describe("live updates (GET /api/assistants/events)", () => {
  it("pushes a write from one tab to the user's other tab with its version; another user's tab gets nothing", async () => {
    const user = await newUser({ assistants: 2 });
    // Same Vapi org, so equal assistant ids: isolation must hold by user, not by id.
    const other = await newUser({ key: user.key });
    // Teams off: with them, a teammate's tab hears of this write as `origin: "team"` (teams.test.ts).
    await configure(user, { teamTimeoutMs: 0 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const tab1 = await openTab(user.token);
    const tab2 = await openTab(user.token, { via: "protocol" });
    const stranger = await openTab(other.token);
    const [, , strangerReady] = await Promise.all([tab1, tab2, stranger].map((t) => t.waitFor((m) => m.type === "ready")));

    const res = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "From tab 1" } });
    const written = OneBody.parse(await res.json()).assistant;
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "New" } })).json()).assistant;
    await user.req(`/api/assistants/${created.id}`, { method: "DELETE" });

    const seen = await tab2.waitFor((m) => m.type === "deleted");
    const events = tab2.messages.filter(isEvent);
    expect(events.map((m) => m.type)).toEqual(["updated", "created", "deleted"]);
    expect(events.map(seqOf)).toEqual([0, 1, 2].map((i) => seqOf(events[0]!) + i));
    const updated = events[0]!;
    if (updated.type !== "updated") throw new Error("unreachable");
    expect(updated).toMatchObject({ id: a!.id, origin: "write", version: Date.parse(written.updatedAt), etag: res.headers.get("ETag") });
    expect(updated.assistant.name).toBe("From tab 1");
    expect(seqOf(seen)).toBe(seqOf(events[2]!));
    // Read-your-writes: a tab that got the event and then reads sees that version.
    const read = await user.req(`/api/assistants/${a!.id}`);
    expect(read.headers.get("ETag")).toBe(updated.etag);
    expect(tab1.messages.filter(isEvent)).toEqual(events);

    // The stranger's own write arrives at the stranger only after all of the above: nothing of user's came first.
    const own = await other.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { firstMessage: "other user" } });
    expect(own.status, await own.clone().text()).toBe(200);
    await stranger.waitFor(isEvent);
    expect(stranger.messages.filter(isEvent)).toHaveLength(1);
    expect(stranger.messages.filter(isEvent)[0]).toMatchObject({ type: "updated", id: a!.id, seq: seqOf(strangerReady!) + 1 });
    for (const t of [tab1, tab2, stranger]) t.ws.close(1000, "done");
  }, 15_000);

  it("a tab that drops and reconnects with its last seq gets exactly what it missed, in order", async () => {
    const user = await newUser({ assistants: 3 });
    const all = (await listBody(await user.req("/api/assistants"))).assistants;
    const tab = await openTab(user.token);
    await user.req(`/api/assistants/${all[0]!.id}`, { method: "PATCH", json: { name: "seen" } });
    await tab.waitFor(isEvent);
    const last = tab.lastSeq();
    tab.ws.close(1000, "network drop");

    await user.req(`/api/assistants/${all[1]!.id}`, { method: "PATCH", json: { name: "missed 1" } });
    await user.req(`/api/assistants/${all[2]!.id}`, { method: "DELETE" });
    await user.req(`/api/assistants/${all[0]!.id}`, { method: "PATCH", json: { name: "missed 2" } });

    const back = await openTab(user.token, { after: last });
    const ready = await back.waitFor((m) => m.type === "ready");
    const missed = back.messages.slice(0, -1);
    expect(missed.map((m) => [m.type, seqOf(m), "id" in m ? m.id : ""])).toEqual([
      ["updated", last + 1, all[1]!.id],
      ["deleted", last + 2, all[2]!.id],
      ["updated", last + 3, all[0]!.id],
    ]);
    expect(ready).toEqual({ type: "ready", seq: last + 3 });
    back.ws.close(1000, "done");
  });

  it("keeps the sequence and the log across an eviction of the coordinator", async () => {
    // Saving the key took seq 1 (a key change is a point in the feed: docs/api.md).
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "before" } });
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "also before" } });
    await evictDurableObject(stubFor(user.sub));
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "after" } });
    const tab = await openTab(user.token, { after: 2 });
    await tab.waitFor((m) => m.type === "ready");
    expect(tab.messages.map((m) => [m.type, seqOf(m)])).toEqual([
      ["updated", 3],
      ["updated", 4],
      ["ready", 4],
    ]);
    // Keep-alives are answered by the runtime (no wake-up of the object, no event).
    tab.ws.send('{"type":"ping"}');
    await tab.waitFor((m) => m.type === "pong");
    tab.ws.close(1000, "done");
  });

  it("tells a tab further behind than the log reaches to resync", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await configure(user, { vars: { EVENTS_LOG_SIZE: "2" } });
    // Seq 1 was the key save; the writes are 2..5, and the log keeps 4 and 5.
    for (let i = 0; i < 4; i++) await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: `v${i}` } });
    const behind = await openTab(user.token, { after: 1 });
    await behind.waitFor((m) => m.type === "ready");
    expect(behind.messages).toEqual([
      { type: "resync", seq: 5 },
      { type: "ready", seq: 5 },
    ]);
    const near = await openTab(user.token, { after: 3 });
    await near.waitFor((m) => m.type === "ready");
    expect(near.messages.map((m) => m.type)).toEqual(["updated", "updated", "ready"]);
    for (const t of [behind, near]) t.ws.close(1000, "done");
  });

  it("tells a tab that presents a seq the log never issued (another deployment, reset storage) to resync", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "v1" } });
    // The last seq issued (the key change that set the user up takes one too).
    const current = await openTab(user.token);
    const ready = await current.waitFor((m) => m.type === "ready");
    current.ws.close(1000, "done");
    const ahead = await openTab(user.token, { after: seqOf(ready) + 4 });
    expect(await ahead.waitFor(() => true)).toEqual({ type: "resync", seq: seqOf(ready) });
    ahead.ws.close(1000, "done");
  });

  it("a read that finds an assistant deleted in Vapi tells the open tabs", async () => {
    const user = await newUser({ assistants: 2 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const tab = await openTab(user.token);
    await tab.waitFor((m) => m.type === "ready");
    await admin.deleteBehindBack(user.key, a!.id);
    const res = await user.req(`/api/assistants/${a!.id}`, { headers: { "Cache-Control": "no-cache" } });
    expect(res.status).toBe(404);
    expect(await tab.waitFor(isEvent)).toMatchObject({ type: "deleted", id: a!.id, origin: "vapi" });
    tab.ws.close(1000, "done");
  });

  it("authenticates the socket like HTTP and refuses a request that is not an upgrade", async () => {
    const noToken = await call("/api/assistants/events", { headers: { Upgrade: "websocket" } });
    expect(noToken.status).toBe(401);
    const forged = await call("/api/assistants/events?token=not.a.jwt", { headers: { Upgrade: "websocket" } });
    expect(forged.status).toBe(401);
    expect(ErrorBody.parse(await forged.json()).error.code).toBe("unauthorized");
    const expired = await call(`/api/assistants/events?token=${await token(uid(), "-1m")}`, { headers: { Upgrade: "websocket" } });
    expect(expired.status).toBe(401);
    const plain = await call(`/api/assistants/events?token=${await token(uid())}`);
    expect(plain.status).toBe(426);
  });
});
