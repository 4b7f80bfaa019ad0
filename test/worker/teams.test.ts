import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TeamChange } from "../../durable-objects/team-wire";
import { Assistant, ErrorBody, newUser, OneBody, stubFor, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";
import { until } from "./gates";
import { openTab } from "./tabs";

// Issue 20: what holds between two tabs of one user holds between teammates, users whose stored
// keys reach the same Vapi org. Each test registers one emulator org and saves its key for two
// users (newUser({ key })): two coordinators, one org.

/** Two users of one org holding `assistants` assistants, and the org's first assistant's id. */
async function team(assistants = 1): Promise<{ a: TestUser; b: TestUser; id: string }> {
  const a = await newUser({ assistants });
  const b = await newUser({ key: a.key });
  const [first] = await vapiAssistants(a.key);
  return { a, b, id: first!.id };
}

const one = async (res: Response) => OneBody.parse(await res.json()).assistant;
const Model = z.looseObject({ provider: z.string(), model: z.string(), temperature: z.number().optional(), messages: z.array(z.unknown()).optional() });

describe("teammates (issue 20)", () => {
  it("keeps a teammate's nested edit when another teammate, holding the old model, patches a sibling field", async () => {
    const { a, b, id } = await team();
    // Both hold the assistant, model and all.
    expect((await a.req(`/api/assistants/${id}`)).status).toBe(200);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    const messages = [{ role: "system", content: "Set by A." }];
    expect((await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { messages } } })).status).toBe(200);
    expect((await b.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { temperature: 0.3 } } })).status).toBe(200);

    const [inVapi] = (await vapiAssistants(a.key)).filter((x) => x.id === id);
    const model = Model.parse(inVapi!.model);
    expect(model.messages).toEqual(messages);
    expect(model.temperature).toBe(0.3);
  });

  it("refuses (412) a teammate's If-Match naming the version another teammate replaced", async () => {
    const { a, b, id } = await team();
    const read = await b.req(`/api/assistants/${id}`);
    const seen = read.headers.get("ETag")!;
    expect((await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "A's edit" } })).status).toBe(200);

    const stale = await b.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "B's edit" }, headers: { "If-Match": seen } });
    expect(stale.status).toBe(412);
    expect(ErrorBody.parse(await stale.json()).error.code).toBe("precondition_failed");
    expect((await vapiAssistants(a.key)).find((x) => x.id === id)!.name).toBe("A's edit");
  });

  it("shows a teammate's write in the other's cached reads and open tab at once, marked as a teammate's", async () => {
    const { a, b, id } = await team();
    expect((await b.req("/api/assistants")).status).toBe(200);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    const tab = await openTab(b.token, { via: "protocol", protocols: ["vapi-edge-cache.v2"] });
    await tab.waitFor((m) => m.type === "ready");
    const callsBefore = await upstreamCalls(a.key);

    const written = await one(await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "Renamed by A" } }));
    const seen = await b.req(`/api/assistants/${id}`);
    expect(seen.headers.get("Cache-Status")).toMatch(/; hit/);
    expect(await one(seen)).toEqual(written);
    // Only A's PATCH reached Vapi: B's copy came from A's coordinator, not from a refresh.
    expect(await upstreamCalls(a.key)).toBe(callsBefore + 1);

    const event = await waitForRaw(tab.raw, (m) => m.type === "updated" && m.id === id);
    expect(event).toMatchObject({ resource: "assistant", origin: "team", version: Date.parse(written.updatedAt) });
    expect(event.clientId).toBeUndefined();
    tab.ws.close();
  });

  it("adds a teammate's create to the other's complete list, and removes a teammate's delete", async () => {
    const { a, b, id } = await team();
    expect((await b.req("/api/assistants")).status).toBe(200);
    const created = await one(await a.req("/api/assistants", { method: "POST", json: { name: "New from A" } }));
    expect((await a.req(`/api/assistants/${id}`, { method: "DELETE" })).status).toBe(200);

    const list = await b.req("/api/assistants");
    expect(list.headers.get("Cache-Status")).toMatch(/; hit/);
    const ids = z.object({ assistants: z.array(Assistant) }).parse(await list.json()).assistants.map((x) => x.id);
    expect(ids).toContain(created.id);
    expect(ids).not.toContain(id);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(404);
  });

  // Teammates' changes arrive in the team's order, but a relay can still be late (a delivery past
  // its deadline finishes after the next one): each copy applies them under the refresh's rules.
  it("ignores a relayed change older than the copy it holds: no version goes back, no event", async () => {
    const { a, b, id } = await team();
    const old = await one(await b.req(`/api/assistants/${id}`));
    const newer = await one(await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "newer" } }));
    const tab = await openTab(b.token, { via: "protocol", protocols: ["vapi-edge-cache.v2"] });
    await tab.waitFor((m) => m.type === "ready");

    expect(await relay(b, [{ type: "updated", resource: "assistant", item: old, version: Date.parse(old.updatedAt), origin: "team" }])).toBe(true);
    expect(await one(await b.req(`/api/assistants/${id}`))).toEqual(newer);
    // A round trip on the socket after the relay: anything it published would have arrived first.
    tab.ws.send('{"type":"ping"}');
    await waitForRaw(tab.raw, (m) => m.type === "pong");
    expect(tab.raw.map((r) => Event.parse(JSON.parse(r)).type)).toEqual(["ready", "pong"]);
    tab.ws.close();
  });

  it("never brings back a deleted assistant through a late teammate's change", async () => {
    const { a, b, id } = await team();
    const before = await one(await b.req(`/api/assistants/${id}`));
    expect((await a.req(`/api/assistants/${id}`, { method: "DELETE" })).status).toBe(200);
    const late = { ...before, updatedAt: new Date(Date.parse(before.updatedAt) + 1).toISOString() };
    await relay(b, [{ type: "updated", resource: "assistant", item: late, version: Date.parse(late.updatedAt), origin: "team" }]);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(404);
  });

  it("never brings back a deleted assistant through a teammate's late refresh report, even to an evicted teammate", async () => {
    const { a, b, id } = await team();
    const before = await one(await b.req(`/api/assistants/${id}`));
    expect((await a.req(`/api/assistants/${id}`, { method: "DELETE" })).status).toBe(200);
    await evictDurableObject(stubFor(b.sub));
    // A refresh of A's that read the assistant before the delete reports it afterwards.
    const late = { ...before, updatedAt: new Date(Date.parse(before.updatedAt) + 1).toISOString() };
    const teamId = (await withHook(a.sub, (hook) => hook.teamId()))!;
    await env.TEAM.getByName(teamId).acknowledged(a.sub, null, [
      { type: "updated", resource: "assistant", item: late, version: Date.parse(late.updatedAt), origin: "vapi" },
    ]);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(404);
  });
});

/** Relays `changes` to `user`'s coordinator as their team would. */
async function relay(user: TestUser, changes: TeamChange[]) {
  const teamId = (await withHook(user.sub, (hook) => hook.teamId()))!;
  return stubFor(user.sub).teamChange(user.sub, teamId, changes);
}

const Event = z.looseObject({ type: z.string(), id: z.string().optional(), origin: z.string().optional(), clientId: z.string().optional() });

/** Waits (bounded) for a raw socket message matching `match`. */
function waitForRaw(raw: string[], match: (m: z.infer<typeof Event>) => boolean, timeoutMs = 3000) {
  return until(() => raw.map((r) => Event.parse(JSON.parse(r))).find(match), "a matching socket message", timeoutMs);
}
