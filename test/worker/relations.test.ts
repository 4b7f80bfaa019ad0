import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { holdNextVapiAnswer } from "./gates";
import { admin, fault, newUser, stubFor, type TestUser, upstreamCalls } from "./helpers";

// Relation-aware invalidation (issue 24): what Vapi does to items naming a deleted one is not
// documented, so after a delete the cache asks Vapi again for every item that named it, and never
// patches them itself. The emulator keeps dangling ids by default and clears them with the
// `onReferencedDelete: "clear"` fault; either way the answer is Vapi's.

const Item = z.looseObject({ id: z.string(), updatedAt: z.string() });


async function create(user: TestUser, path: string, name: string, body: Record<string, unknown>) {
  const res = await user.req(path, { method: "POST", json: body });
  expect(res.status).toBe(201);
  return z.object({ [name]: Item }).parse(await res.json())[name]!;
}

/** Reads `path` and says how the cache served it, and how many Vapi requests (of this user's key) it made. */
async function served(user: TestUser, path: string) {
  const before = await upstreamCalls(user.key);
  const res = await user.req(path);
  expect(res.status).toBe(200);
  return { status: res.headers.get("Cache-Status")!, calls: (await upstreamCalls(user.key)) - before, body: (await res.json()) as Record<string, unknown> };
}

/** A user with assistants A and B, numbers naming A and B, and a squad with A as a member, all read once (cached). */
async function world() {
  const user = await newUser({ assistants: 2 });
  const [a, b] = await admin.assistants(user.key);
  await user.req("/api/assistants");
  const p1 = await create(user, "/api/phone-numbers", "phoneNumber", { provider: "vapi", name: "Names A", assistantId: a!.id });
  const p2 = await create(user, "/api/phone-numbers", "phoneNumber", { provider: "vapi", name: "Names B", assistantId: b!.id });
  const squad = await create(user, "/api/squads", "squad", { name: "A's squad", members: [{ assistantId: a!.id }] });
  for (const path of ["/api/phone-numbers", "/api/squads"]) {
    await user.req(path);
    expect((await user.req(path)).headers.get("Cache-Status")).toMatch(/; hit/);
  }
  return { user, a: a!, b: b!, p1, p2, squad };
}

describe("relation-aware invalidation", () => {
  it("deleting an assistant makes the numbers and squads that named it come from Vapi on their next read; an unrelated number stays a hit", async () => {
    const { user, a, p1, p2, squad } = await world();
    await fault(user.key, { onReferencedDelete: "clear" });
    expect((await user.req(`/api/assistants/${a.id}`, { method: "DELETE" })).status).toBe(200);

    const number = await served(user, `/api/phone-numbers/${p1.id}`);
    expect(number.status).not.toMatch(/; hit/);
    expect(number.calls).toBe(1);
    // Vapi's answer, not a local patch: this emulator mode cleared the id and moved updatedAt.
    expect(Item.parse(number.body.phoneNumber).assistantId).toBeUndefined();
    const members = await served(user, `/api/squads/${squad.id}`);
    expect(members.calls).toBe(1);
    expect(members.body.squad).toMatchObject({ members: [{}] });

    const unrelated = await served(user, `/api/phone-numbers/${p2.id}`);
    expect(unrelated.status).toMatch(/; hit/);
    expect(unrelated.calls).toBe(0);
    // The lists vouched for the distrusted items: their next read asks Vapi too.
    const list = await served(user, "/api/phone-numbers");
    expect(list.status).not.toMatch(/; hit/);
    expect(list.calls).toBe(1);
    expect((await served(user, "/api/squads")).calls).toBe(1);
    await admin.clearFaults(user.key);
  });

  it("an assistant found gone by a list refresh (deleted in Vapi's dashboard) distrusts its referrers too, also after an eviction", async () => {
    const { user, a, p1, p2 } = await world();
    await admin.deleteBehindBack(user.key, a.id);
    await user.req("/api/assistants", { headers: { "Cache-Control": "no-cache" } });
    await evictDurableObject(stubFor(user.sub));

    // Rehydrated from D1: the distrusted row is not taken as fresh; Vapi keeps the dangling id here.
    const number = await served(user, `/api/phone-numbers/${p1.id}`);
    expect(number.calls).toBe(1);
    expect(Item.parse(number.body.phoneNumber).assistantId).toBe(a.id);
    expect((await served(user, `/api/phone-numbers/${p2.id}`)).status).toMatch(/; hit/);
  });

  it("deleting a tool makes the assistants that list it in model.toolIds come from Vapi", async () => {
    const user = await newUser();
    const tool = await create(user, "/api/tools", "tool", { type: "endCall" });
    const other = await create(user, "/api/tools", "tool", { type: "endCall" });
    const model = (toolIds: string[]) => ({ provider: "openai", model: "gpt-4o", toolIds });
    const uses = await create(user, "/api/assistants", "assistant", { name: "Uses it", model: model([tool.id]) });
    const not = await create(user, "/api/assistants", "assistant", { name: "Uses the other", model: model([other.id]) });

    expect((await user.req(`/api/tools/${tool.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await served(user, `/api/assistants/${uses.id}`)).calls).toBe(1);
    expect((await served(user, `/api/assistants/${not.id}`)).status).toMatch(/; hit/);
  });

  it("a read of a referrer begun before the delete does not vouch for it again when its answer lands after", async () => {
    const { user, a, p1 } = await world();
    const held = await holdNextVapiAnswer(user.sub, "get");
    const reading = user.req(`/api/phone-numbers/${p1.id}`, { headers: { "Cache-Control": "no-cache" } });
    await held.answered();
    expect((await user.req(`/api/assistants/${a.id}`, { method: "DELETE" })).status).toBe(200);
    held.release();
    expect((await reading).status).toBe(200);

    const next = await served(user, `/api/phone-numbers/${p1.id}`);
    expect(next.status).not.toMatch(/; hit/);
    expect(next.calls).toBe(1);
  });
});
