import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { breakD1For, until } from "./gates";
import { admin, byId, configure, d1Rows, d1Settled, listBody, newUser, stubFor, upstreamCalls, vapiAssistants } from "./helpers";
import { openTab } from "./tabs";

describe("refresh-ahead and warming", () => {
  it("the first tab of a login warms a cold cache, so the dashboard's first list is a hit", async () => {
    const user = await newUser({ assistants: 3 });
    const tab = await openTab(user.token);
    await until(async () => (await d1Rows(user.sub)).length === 3, "the warm-up");
    const calls = await upstreamCalls(user.key);
    const list = await listBody(await user.req("/api/assistants"));
    expect(list.cached).toBe(true);
    expect(list.assistants).toHaveLength(3);
    expect(await upstreamCalls(user.key)).toBe(calls);
    tab.ws.close(1000, "done");
  });

  it("while tabs are open, an edit made in Vapi's dashboard reaches them before anyone misses; with none open, the alarm does nothing", async () => {
    const user = await newUser({ assistants: 2 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await configure(user, { vars: { CACHE_TTL_SECONDS: "0.2" } });
    const tabs = [await openTab(user.token), await openTab(user.token)];
    await Promise.all(tabs.map((t) => t.waitFor((m) => m.type === "ready")));
    await admin.patchBehindBack(user.key, a!.id, { name: "Edited in Vapi" });
    const inVapi = (await vapiAssistants(user.key)).find((x) => x.id === a!.id)!;

    const stub = stubFor(user.sub);
    const pushed = await until(async () => {
      await runDurableObjectAlarm(stub);
      return tabs[1]!.messages.find((m) => m.type === "updated");
    }, "the refresh-ahead event");
    expect(pushed).toMatchObject({ id: a!.id, origin: "vapi", version: Date.parse(inVapi.updatedAt) });
    expect(tabs[0]!.messages.filter((m) => m.type === "updated")).toEqual([pushed]);

    for (const t of tabs) t.ws.close(1000, "done");
    await until(
      () => runInDurableObject(stub, (_obj, state) => state.getWebSockets().length === 0),
      "the sockets to close",
    );
    const calls = await upstreamCalls(user.key);
    await runDurableObjectAlarm(stub);
    // No tab: no Vapi call, and nothing rescheduled.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await upstreamCalls(user.key)).toBe(calls);
  });

  it("a D1 write failure never pushes an earlier refresh-ahead alarm later; the one alarm does both, then re-arms for the tab", async () => {
    const user = await newUser({ assistants: 2 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    await d1Settled(user.sub);
    // Refresh-ahead due 20 s after the sync; D1 repairs back off 5, 10, 20, 40 s after each failure.
    await configure(user, { vars: { CACHE_TTL_SECONDS: "40", CACHE_REFRESH_AHEAD_SECONDS: "20" } });
    const tab = await openTab(user.token);
    await tab.waitFor((m) => m.type === "ready");
    const stub = stubFor(user.sub);
    const alarmAt = () => runInDurableObject(stub, (_obj, state) => state.storage.getAlarm());
    const refreshAt = await until(async () => (await alarmAt()) ?? undefined, "the refresh-ahead alarm");

    const fixD1 = await breakD1For(user.sub);
    for (let i = 0; i < 4; i++) {
      const res = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: `Edit ${i}` } });
      expect(res.status).toBe(200);
    }
    await fixD1();
    // The repair asked for the alarm 40 s out; the refresh-ahead it would have replaced is earlier.
    expect(await alarmAt()).toBeLessThanOrEqual(refreshAt);

    // Whenever it fires, the alarm repairs D1 and keeps the open tab's refresh-ahead scheduled.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(byId((await d1Rows(user.sub)).map((r) => r.assistant))).toEqual(byId(await vapiAssistants(user.key)));
    expect(await alarmAt()).toBe(refreshAt);
    tab.ws.close(1000, "done");
  });
});
