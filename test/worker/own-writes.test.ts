import { describe, expect, it } from "vitest";
import { ErrorBody, listBody, newUser, OneBody, upstreamCalls, vapiAssistants } from "./helpers";
import { type Message, openTab } from "./tabs";

const isEvent = (m: Message) => m.type === "created" || m.type === "updated" || m.type === "deleted";

describe("own writes in the change feed (X-Client-Id)", () => {
  it("echoes a write's X-Client-Id as clientId in its event; a write without one has none", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = (await listBody(await user.req("/api/assistants"))).assistants;
    const tab = await openTab(user.token);
    await tab.waitFor((m) => m.type === "ready");

    const mine = { "X-Client-Id": "tab-A_1" };
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: mine, json: { name: "mine" } });
    const created = await user.req("/api/assistants", { method: "POST", headers: mine, json: { name: "made" } });
    const made = OneBody.parse(await created.json()).assistant;
    await user.req(`/api/assistants/${made.id}`, { method: "DELETE", headers: mine });
    await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", json: { name: "someone else" } });

    await tab.waitFor((m) => m.type === "updated" && m.assistant.name === "someone else");
    const events = tab.messages.filter(isEvent);
    expect(events.map((e) => [e.type, "clientId" in e ? e.clientId : undefined])).toEqual([
      ["updated", "tab-A_1"],
      ["created", "tab-A_1"],
      ["deleted", "tab-A_1"],
      ["updated", undefined],
    ]);
    tab.ws.close(1000, "done");
  });

  it("refuses a malformed X-Client-Id with 400 before anything is written", async () => {
    const user = await newUser({ assistants: 1 });
    const [a] = await vapiAssistants(user.key);
    const calls = await upstreamCalls(user.key);
    for (const bad of ["", "x".repeat(65), "tab 1", "tab/1", "tab.1"]) {
      const res = await user.req(`/api/assistants/${a!.id}`, { method: "PATCH", headers: { "X-Client-Id": bad }, json: { name: "no" } });
      expect(res.status, bad).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.code).toBe("invalid_request");
    }
    const post = await user.req("/api/assistants", { method: "POST", headers: { "X-Client-Id": "a,b" }, json: { name: "no" } });
    expect(post.status).toBe(400);
    expect(await upstreamCalls(user.key)).toBe(calls);
    expect((await vapiAssistants(user.key)).map((x) => x.name)).toEqual([a!.name]);
    expect((await user.req("/api/assistants/" + a!.id, { headers: { "X-Client-Id": "x".repeat(64) } })).status).toBe(200);
  });
});
