import { describe, expect, it } from "vitest";
import { z } from "zod";
import { admin, ErrorBody, newUser, upstreamCalls } from "./helpers";
import { openTab } from "./tabs";

// Phone numbers, tools and squads go through the same core as assistants: the guarantees and
// headers of the assistants' routes hold for each, with its own keys, codes and tables.

const Item = z.looseObject({ id: z.string(), orgId: z.string(), createdAt: z.string(), updatedAt: z.string() });

interface Case {
  plural: "phoneNumbers" | "tools" | "squads";
  name: string;
  path: string;
  admin: "phone-numbers" | "tools" | "squads";
  create: (assistantId: string) => Record<string, unknown>;
  patch: (assistantId: string) => Record<string, unknown>;
  notFound: string;
  /** How answers' messages speak of one item. */
  label: string;
}

const cases: Case[] = [
  {
    plural: "phoneNumbers", name: "phoneNumber", path: "/api/phone-numbers", admin: "phone-numbers", notFound: "phone_number_not_found", label: "phone number",
    create: (assistantId) => ({ provider: "vapi", name: "Support line", assistantId }),
    patch: () => ({ name: "After hours" }),
  },
  {
    plural: "tools", name: "tool", path: "/api/tools", admin: "tools", notFound: "tool_not_found", label: "tool",
    create: () => ({ type: "function", function: { name: "lookup_order", description: "first" } }),
    // A nested patch: merged into the current `function`, so `name` survives (Vapi's PATCH is shallow).
    patch: () => ({ function: { description: "second" } }),
  },
  {
    plural: "squads", name: "squad", path: "/api/squads", admin: "squads", notFound: "squad_not_found", label: "squad",
    create: (assistantId) => ({ name: "Front desk", members: [{ assistantId }] }),
    patch: (assistantId) => ({ name: "Weekend desk", members: [{ assistantId }] }),
  },
];

describe.each(cases)("$path through the cache", (c) => {
  const One = z.object({ [c.name]: Item });
  const List = z.object({ etags: z.record(z.string(), z.string()), cached: z.boolean() }).extend({ items: z.array(Item) });
  const listOf = async (res: Response) => {
    const body = (await res.json()) as Record<string, unknown>;
    return List.parse({ ...body, items: body[c.plural] });
  };
  const Conflict = z.object({ error: z.object({ code: z.literal("precondition_failed"), message: z.string() }) }).extend({ item: Item });
  const item = async (res: Response) => One.parse(await res.json())[c.name]!;

  it("creates, lists, reads, merge-patches with If-Match and deletes, with the assistants' headers, Vapi asked once per miss", async () => {
    const user = await newUser({ assistants: 1 });
    const [assistant] = await admin.assistants(user.key);
    const created = await user.req(c.path, { method: "POST", json: c.create(assistant!.id) });
    expect(created.status).toBe(201);
    const etag = created.headers.get("ETag")!;
    const { id } = await item(created);

    const calls = await upstreamCalls(user.key);
    const first = await user.req(c.path);
    expect(first.headers.get("Cache-Status")).toMatch(/fwd=miss; stored/);
    const second = await user.req(c.path);
    expect(second.headers.get("Cache-Status")).toMatch(/; hit/);
    const list = await listOf(second);
    expect(list.items.map((i) => i.id)).toEqual([id]);
    expect(list.etags[id]).toBe(etag);
    const one = await user.req(`${c.path}/${id.toUpperCase()}`, { headers: { "If-None-Match": etag } });
    expect(one.status).toBe(304);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);

    const patched = await user.req(`${c.path}/${id}`, { method: "PATCH", json: c.patch(assistant!.id), headers: { "If-Match": etag } });
    expect(patched.status).toBe(200);
    const after = await item(patched);
    if (c.plural === "tools") expect(after.function).toEqual({ name: "lookup_order", description: "second" });
    const refused = await user.req(`${c.path}/${id}`, { method: "PATCH", json: c.patch(assistant!.id), headers: { "If-Match": etag } });
    expect(refused.status).toBe(412);
    const conflict = (await refused.json()) as Record<string, unknown>;
    const parsed = Conflict.parse({ ...conflict, item: conflict[c.name] });
    expect(parsed.item.updatedAt).toBe(after.updatedAt);
    expect(parsed.error.message).toBe(`The ${c.label} changed since the version named in If-Match.`);

    const removed = await user.req(`${c.path}/${id}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    const gone = await user.req(`${c.path}/${id}`);
    expect(gone.status).toBe(404);
    expect(ErrorBody.parse(await gone.json()).error).toEqual({ code: c.notFound, message: `No ${c.label} with that id exists for this user.` });
    expect((await admin.items(user.key, c.admin)).map((i) => i.id)).not.toContain(id);
  });

  it("answers a retried create with its Idempotency-Key once, and names the resource in its event", async () => {
    const user = await newUser({ assistants: 1 });
    const [assistant] = await admin.assistants(user.key);
    const tab = await openTab(user.token, { path: "/api/events", via: "protocol", protocols: ["vapi-edge-cache.v2"] });
    await tab.waitFor((m) => m.type === "ready");
    const headers = { "Idempotency-Key": crypto.randomUUID() };
    const first = await user.req(c.path, { method: "POST", json: c.create(assistant!.id), headers });
    const again = await user.req(c.path, { method: "POST", json: c.create(assistant!.id), headers });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    const { id } = await item(first);
    expect((await item(again)).id).toBe(id);
    expect(await admin.items(user.key, c.admin)).toHaveLength(1);

    const created = () => tab.raw.filter((m) => m.includes(`"type":"created"`));
    await tab.waitFor(() => created().length > 0);
    expect(JSON.parse(created()[0]!)).toMatchObject({ type: "created", resource: c.name, id, item: { id } });
    tab.ws.close(1000, "done");
  });

  it("refuses an id that is not a UUID with its own code, before Vapi", async () => {
    const user = await newUser();
    const calls = await upstreamCalls(user.key);
    const res = await user.req(`${c.path}/not-a-uuid`);
    expect(res.status).toBe(400);
    const { error } = ErrorBody.parse(await res.json());
    expect(error.code).toBe(c.name === "phoneNumber" ? "invalid_phone_number_id" : `invalid_${c.name}_id`);
    expect(error.message).toBe(`id: must be a Vapi ${c.label} id (a UUID)`);
    expect(await upstreamCalls(user.key)).toBe(calls);
  });
});

// Issue 24: the words come from the descriptor's `label`; assistants' answers stay as they were.
it("keeps the assistants' 412, 404 and bad-id messages word for word", async () => {
  const user = await newUser({ assistants: 1 });
  const [assistant] = await admin.assistants(user.key);
  const { headers } = await user.req(`/api/assistants/${assistant!.id}`);
  const etag = headers.get("ETag")!;
  expect((await user.req(`/api/assistants/${assistant!.id}`, { method: "PATCH", json: { name: "One" }, headers: { "If-Match": etag } })).status).toBe(200);
  const refused = await user.req(`/api/assistants/${assistant!.id}`, { method: "PATCH", json: { name: "Two" }, headers: { "If-Match": etag } });
  expect(ErrorBody.parse(await refused.json()).error.message).toBe("The assistant changed since the version named in If-Match.");
  const missing = await user.req(`/api/assistants/${crypto.randomUUID()}`);
  expect(ErrorBody.parse(await missing.json()).error.message).toBe("No assistant with that id exists for this user.");
  const bad = await user.req("/api/assistants/nope");
  expect(ErrorBody.parse(await bad.json()).error.message).toBe("id: must be a Vapi assistant id (a UUID)");
});
