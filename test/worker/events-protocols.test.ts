import { describe, expect, it } from "vitest";
import { render, v1Body, v2Body } from "../../durable-objects/event-wire";
import { listBody, newUser } from "./helpers";
import { openTab, type Tab } from "./tabs";

const V1 = "vapi-edge-cache.v1";
const V2 = "vapi-edge-cache.v2";

/** The raw change messages a tab got (not ready/resync/pong). */
const changes = (tab: Tab) => tab.raw.filter((m) => /"type":"(created|updated|deleted)"/.test(m));
const until = async (tab: Tab, n: number) => {
  await tab.waitFor(() => changes(tab).length >= n).catch(() => undefined);
  return changes(tab);
};

describe("events subprotocols: v2 names the resource, v1 stays exactly as the SDKs already out know it", () => {
  it("answers in the protocol the tab offered: v2 when offered, v1 to a v1 tab, none (v1 messages) when none was offered", async () => {
    const user = await newUser();
    const tabs = await Promise.all([
      openTab(user.token, { via: "protocol", protocols: [V2, V1] }),
      openTab(user.token, { via: "protocol", protocols: [V1] }),
      openTab(user.token),
    ]);
    expect(tabs.map((t) => t.protocol)).toEqual([V2, V1, null]);
    for (const t of tabs) t.ws.close(1000, "done");
  });

  it("a v1 tab gets byte for byte the messages it got before v2, live and replayed; a v2 tab gets resource and item", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const v1 = await openTab(user.token, { via: "protocol", protocols: [V1] });
    const v2 = await openTab(user.token, { via: "protocol", protocols: [V2, V1] });
    const ready = await v1.waitFor((m) => m.type === "ready");
    await v2.waitFor((m) => m.type === "ready");
    const s0 = "seq" in ready ? ready.seq : -1;

    const patched = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "v1 and v2" }, headers: { "X-Client-Id": "tab-1" } });
    const written = JSON.parse(await patched.text()).assistant;
    const posted = await user.req("/api/assistants", { method: "POST", json: { name: "New" } });
    const created = JSON.parse(await posted.text()).assistant;
    await user.req(`/api/assistants/${created.id}`, { method: "DELETE", headers: { "X-Client-Id": "tab-1" } });

    const expectedV1 = [
      JSON.stringify({ seq: s0 + 1, type: "updated", id: a!.id, version: Date.parse(written.updatedAt), etag: patched.headers.get("ETag"), origin: "write", clientId: "tab-1", assistant: written }),
      JSON.stringify({ seq: s0 + 2, type: "created", id: created.id, version: Date.parse(created.updatedAt), etag: posted.headers.get("ETag"), origin: "write", assistant: created }),
      JSON.stringify({ seq: s0 + 3, type: "deleted", id: created.id, origin: "write", clientId: "tab-1" }),
    ];
    const expectedV2 = [
      JSON.stringify({ seq: s0 + 1, type: "updated", resource: "assistant", id: a!.id, version: Date.parse(written.updatedAt), etag: patched.headers.get("ETag"), origin: "write", clientId: "tab-1", item: written }),
      JSON.stringify({ seq: s0 + 2, type: "created", resource: "assistant", id: created.id, version: Date.parse(created.updatedAt), etag: posted.headers.get("ETag"), origin: "write", item: created }),
      JSON.stringify({ seq: s0 + 3, type: "deleted", resource: "assistant", id: created.id, origin: "write", clientId: "tab-1" }),
    ];
    expect(await until(v1, 3)).toEqual(expectedV1);
    expect(await until(v2, 3)).toEqual(expectedV2);

    // Replayed from the log (stored once, resource-neutral): each in its own protocol again.
    const back = await Promise.all([
      openTab(user.token, { via: "protocol", protocols: [V1], after: s0 }),
      openTab(user.token, { via: "protocol", protocols: [V2], after: s0 }),
    ]);
    expect(await until(back[0]!, 3)).toEqual(expectedV1);
    expect(await until(back[1]!, 3)).toEqual(expectedV2);
    for (const t of [v1, v2, ...back]) t.ws.close(1000, "done");
  }, 15_000);

  it("replays a log written before v2 (v1 bodies) to either protocol; a v1 tab never hears of another resource", () => {
    const item = { id: "a1", orgId: "o", createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "2026-01-02T00:00:00.000Z", name: "x" };
    const change = { seq: 7, type: "updated", resource: "assistant", id: "a1", version: 1, etag: '"e"', origin: "vapi", item } as const;
    const legacy = `{"seq":7,"type":"updated","id":"a1","version":1,"etag":"\\"e\\"","origin":"vapi","assistant":${JSON.stringify(item)}}`;
    expect(v1Body(change)).toBe(legacy);
    expect(render(legacy, V1)).toBe(legacy);
    expect(render(legacy, V2)).toBe(v2Body(change));
    expect(render(v2Body(change), V1)).toBe(legacy);
    const gone = { seq: 8, type: "deleted", resource: "assistant", id: "a1", origin: "write" } as const;
    expect(render('{"seq":8,"type":"deleted","id":"a1","origin":"write"}', V2)).toBe(v2Body(gone));
    const tool = { ...change, resource: "tool" };
    expect(render(v2Body(tool), V1)).toBeUndefined();
    expect(render(v2Body(tool), V2)).toBe(v2Body(tool));
  });
});
