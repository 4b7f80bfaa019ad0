import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { TeamCoordinator } from "../../durable-objects/team";
import { until } from "./gates";
import { d1Rows, newUser, OneBody, stubFor, vapiAssistants, withHook } from "./helpers";
import { openTab } from "./tabs";

// Issue 20, item 4: caches, D1 rows, keys and change feeds stay per user; nothing reaches a user
// of another org, whatever ids they send; the team object never stores a Vapi key.

const teamOf = (sub: string) => withHook(sub, (hook) => hook.teamId());
const Stats = z.object({ team: z.object({ coordinated: z.number(), unavailable: z.number(), applied: z.number() }) });

describe("team boundary", () => {
  it("forms a team from what Vapi answers: equal for one org's users, different across orgs", async () => {
    const a = await newUser({ assistants: 1 });
    const b = await newUser({ key: a.key });
    const other = await newUser({ assistants: 1 });
    const [first] = await vapiAssistants(a.key);
    expect(await teamOf(a.sub)).toBe(`org:${first!.orgId}`);
    expect(await teamOf(b.sub)).toBe(await teamOf(a.sub));
    expect(await teamOf(other.sub)).not.toBe(await teamOf(a.sub));

    // An org with no assistants yet: a keyed fingerprint, never the key.
    const empty = await newUser();
    const mate = await newUser({ key: empty.key });
    const fp = (await teamOf(empty.sub))!;
    expect(fp).toMatch(/^key:[0-9a-f]{32}$/);
    expect(fp).not.toContain(empty.key);
    expect(await teamOf(mate.sub)).toBe(fp);
  });

  it("sends nothing of one org's writes to a user of another org: cache, rows, tab", async () => {
    const a = await newUser({ assistants: 1 });
    await newUser({ key: a.key });
    const other = await newUser({ assistants: 1 });
    const [mine] = await vapiAssistants(a.key);
    expect((await other.req("/api/assistants")).status).toBe(200);
    const tab = await openTab(other.token);
    await tab.waitFor((m) => m.type === "ready");

    expect((await a.req(`/api/assistants/${mine!.id}`, { method: "PATCH", json: { name: "org A only" } })).status).toBe(200);
    await a.req("/api/assistants", { method: "POST", json: { name: "also org A only" } });
    expect((await other.req(`/api/assistants/${mine!.id}`)).status).toBe(404);
    expect((await d1Rows(other.sub)).map((r) => r.assistant.orgId)).not.toContain(mine!.orgId);
    expect(Stats.parse(await (await other.req("/api/cache/stats")).json()).team.applied).toBe(0);
    expect(tab.messages.filter((m) => m.type !== "ready")).toEqual([]);
    tab.ws.close();
  });

  it("refuses a change sent in the name of a team the user's key does not belong to", async () => {
    const a = await newUser({ assistants: 1 });
    const other = await newUser({ assistants: 1 });
    const [theirs] = await vapiAssistants(other.key);
    const before = OneBody.parse(await (await other.req(`/api/assistants/${theirs!.id}`)).json()).assistant;
    // A forged relay: org A's team, with an id of the other org's and a newer version.
    const forged = { ...before, name: "forged", updatedAt: new Date(Date.parse(before.updatedAt) + 60_000).toISOString() };
    const accepted = await stubFor(other.sub).teamChange(other.sub, (await teamOf(a.sub))!, [
      { type: "updated", resource: "assistant", item: forged, version: Date.parse(forged.updatedAt), origin: "team" },
    ]);
    expect(accepted).toBe(false);
    expect(OneBody.parse(await (await other.req(`/api/assistants/${theirs!.id}`)).json()).assistant).toEqual(before);
  });

  it("leaves the team with the key: a removed or switched key gets no more of its changes", async () => {
    const a = await newUser({ assistants: 1 });
    const b = await newUser({ key: a.key });
    const elsewhere = await newUser({ assistants: 1 });
    const [shared] = await vapiAssistants(a.key);
    const teamA = (await teamOf(a.sub))!;

    expect((await b.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: elsewhere.key } })).status).toBe(204);
    expect(await teamOf(b.sub)).toBe(await teamOf(elsewhere.sub));
    // The team hears of the leave in the background: wait for it.
    await until(async () => (await membersOf(teamA)).join() === a.sub, "B to leave A's team");
    expect((await a.req(`/api/assistants/${shared!.id}`, { method: "PATCH", json: { name: "after B left" } })).status).toBe(200);
    expect((await d1Rows(b.sub)).map((r) => r.id)).not.toContain(shared!.id);

    expect((await a.req("/api/settings/vapi-key", { method: "DELETE" })).status).toBe(204);
    expect(await teamOf(a.sub)).toBeNull();
    await until(async () => (await membersOf(teamA)).length === 0, "A to leave the team");
  });

  it("keeps no Vapi key in the team object", async () => {
    const a = await newUser({ assistants: 2 });
    const b = await newUser({ key: a.key });
    const [x] = await vapiAssistants(a.key);
    await a.req(`/api/assistants/${x!.id}`, { method: "PATCH", json: { name: "stored?" } });
    await b.req("/api/assistants", { method: "POST", json: { name: "and this" } });
    const stored = await runInDurableObject(env.TEAM.getByName((await teamOf(a.sub))!), (_: TeamCoordinator, state) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray();
      const rows = tables.flatMap((t) => (t.name.startsWith("_cf") ? [] : state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()));
      return JSON.stringify({ rows, kv: [...state.storage.kv.list()] });
    });
    expect(stored).toContain(b.sub);
    expect(stored).not.toContain(a.key);
  });
});

async function membersOf(teamId: string) {
  return (await env.TEAM.getByName(teamId).members()).sort();
}
