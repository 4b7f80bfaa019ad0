import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { withConfig } from "./config";
import { admin, d1Rows, listBody, newUser, stubFor, upstreamCalls, vapiAssistants } from "./helpers";
import { openTab } from "./tabs";

const tick = () => new Promise((r) => setTimeout(r, 20));

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

describe("refresh-ahead and warming", () => {
  it("the first tab of a login warms a cold cache, so the dashboard's first list is a hit", async () => {
    const user = await newUser({ assistants: 3 });
    const tab = await openTab(user.token);
    await until(async () => ((await d1Rows(user.sub)).length === 3 ? true : undefined), "the warm-up");
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
    await withConfig(user, { CACHE_TTL_SECONDS: "0.2" });
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
      () => runInDurableObject(stub, (_obj, state) => (state.getWebSockets().length === 0 ? true : undefined)),
      "the sockets to close",
    );
    const calls = await upstreamCalls(user.key);
    await runDurableObjectAlarm(stub);
    // No tab: no Vapi call, and nothing rescheduled.
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(await upstreamCalls(user.key)).toBe(calls);
  });
});
