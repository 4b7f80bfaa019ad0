import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, configure, d1Rows, ErrorBody, fault, listBody, newUser, OneBody, upstreamCalls, vapiAssistants } from "./helpers";

const model = { provider: "openai", model: "gpt-4o", temperature: 0.3, messages: [{ role: "system", content: "You sell." }] };

describe("write-through", () => {
  it("a create lands in Vapi, in the hot layer and in D1, and the next list is a hit that includes it", async () => {
    const user = await newUser({ assistants: 2 });
    await user.req("/api/assistants");
    const res = await user.req("/api/assistants", { method: "POST", json: { name: "New Assistant", model } });
    expect(res.status).toBe(201);
    const { assistant } = OneBody.parse(await res.json());
    expect((await vapiAssistants(user.key)).map((a) => a.id)).toContain(assistant.id);

    const before = await upstreamCalls(user.key);
    const list = await listBody(await user.req("/api/assistants"));
    expect(list.cached).toBe(true);
    expect(list.assistants[0]).toEqual(assistant); // newest first
    expect(list.assistants).toHaveLength(3);
    expect(await upstreamCalls(user.key)).toBe(before);
    expect((await d1Rows(user.sub)).find((r) => r.id === assistant.id)?.assistant).toEqual(assistant);
  });

  it("accepts the seed's PATCH example and keeps the model's provider and model", async () => {
    const user = await newUser();
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Sales Agent", model } })).json());
    const patch = { name: "New Name", model: { messages: [{ role: "system", content: "Updated system prompt" }] } };
    const res = await user.req(`/api/assistants/${created.assistant.id}`, { method: "PATCH", json: patch });
    expect(res.status).toBe(200);
    const { assistant } = OneBody.parse(await res.json());
    expect(assistant.name).toBe("New Name");
    expect(assistant.model).toEqual({ ...model, messages: patch.model.messages });
    const [inVapi] = (await vapiAssistants(user.key)).filter((a) => a.id === assistant.id);
    expect(inVapi).toEqual(assistant);
  });

  it("treats null in a patch as removal (RFC 7386), at the top level and nested", async () => {
    const user = await newUser();
    const created = OneBody.parse(await (await user.req("/api/assistants", {
      method: "POST",
      json: { name: "Nulls", firstMessage: "Hi", model },
    })).json());
    const res = await user.req(`/api/assistants/${created.assistant.id}`, {
      method: "PATCH",
      json: { firstMessage: null, model: { temperature: null } },
    });
    const { assistant } = OneBody.parse(await res.json());
    expect(assistant).not.toHaveProperty("firstMessage");
    expect(assistant.model).toEqual({ provider: "openai", model: "gpt-4o", messages: model.messages });
  });

  it("merges a patch into nested objects at every depth: a sibling two levels down survives", async () => {
    const user = await newUser();
    const metadata = { team: { owner: "ana", region: "eu" }, tier: "production" };
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Deep", model, metadata } })).json());
    const res = await user.req(`/api/assistants/${created.assistant.id}`, { method: "PATCH", json: { metadata: { team: { region: "us" } } } });
    expect(res.status).toBe(200);
    const [inVapi] = (await vapiAssistants(user.key)).filter((a) => a.id === created.assistant.id);
    expect(inVapi!.metadata).toMatchObject({ team: { owner: "ana", region: "us" }, tier: "production" });
    expect(OneBody.parse(await res.json()).assistant).toEqual(inVapi);
  });

  it("merges a nested patch into Vapi's current version: an id not cached yet is read first, a stale one read again", async () => {
    const user = await newUser({ assistants: 1 });
    // Never read through the cache: the seed's example needs the stored model to merge into.
    const [cold] = await vapiAssistants(user.key);
    const prompt = (content: string) => ({ model: { messages: [{ role: "system", content }] } });
    const first = await user.req(`/api/assistants/${cold!.id}`, { method: "PATCH", json: prompt("First prompt") });
    expect(first.status).toBe(200);
    const coldModel = cold!.model as Record<string, unknown>;
    expect(OneBody.parse(await first.json()).assistant.model).toEqual({ ...coldModel, ...prompt("First prompt").model });

    // Edited in Vapi's dashboard since; what the cache holds is past its TTL.
    const edited = { ...coldModel, ...prompt("First prompt").model, temperature: 0.9 };
    await admin.patchBehindBack(user.key, cold!.id, { model: edited });
    await configure(user, { ttlMs: 0 });
    expect((await user.req(`/api/assistants/${cold!.id}`, { method: "PATCH", json: prompt("Second prompt") })).status).toBe(200);
    const [inVapi] = await vapiAssistants(user.key);
    expect(inVapi!.model).toEqual({ ...edited, ...prompt("Second prompt").model });
  });

  it("three concurrent PATCHes of three different fields all land", async () => {
    const user = await newUser();
    const { assistant } = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "Tabs", model } })).json());
    const path = `/api/assistants/${assistant.id}`;
    const results = await Promise.all([
      user.req(path, { method: "PATCH", json: { name: "Renamed in tab 1" } }),
      user.req(path, { method: "PATCH", json: { model: { messages: [{ role: "system", content: "Prompt from tab 2" }] } } }),
      user.req(path, { method: "PATCH", json: { firstMessage: "Hello from tab 3" } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const [final] = (await vapiAssistants(user.key)).filter((a) => a.id === assistant.id);
    expect(final).toMatchObject({
      name: "Renamed in tab 1",
      firstMessage: "Hello from tab 3",
      model: { provider: "openai", model: "gpt-4o", temperature: 0.3, messages: [{ role: "system", content: "Prompt from tab 2" }] },
    });
    const cached = OneBody.parse(await (await user.req(path)).json());
    expect(cached).toEqual({ assistant: final, cached: true });
  });

  it("a delete removes it from Vapi, the hot layer and D1", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const gone = assistants[0]!;
    const res = await user.req(`/api/assistants/${gone.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(after.assistants.map((a) => a.id)).not.toContain(gone.id);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(gone.id);
    expect((await user.req(`/api/assistants/${gone.id}`)).status).toBe(404);
  });

  it("a write Vapi answers 404 (deleted elsewhere) removes the assistant from the cache and D1 before the 404", async () => {
    const user = await newUser({ assistants: 3 });
    const { assistants } = await listBody(await user.req("/api/assistants"));
    const gone = assistants[0]!;
    // Deleted in Vapi itself, behind the cache's back: the cache still lists it.
    const direct = await fetch(`${env.EMULATOR_URL}/assistant/${gone.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${user.key}` } });
    expect(direct.ok).toBe(true);
    const res = await user.req(`/api/assistants/${gone.id}`, { method: "PATCH", json: { name: "Too late" } });
    expect(res.status).toBe(404);
    const after = await listBody(await user.req("/api/assistants"));
    expect(after.cached).toBe(true);
    expect(after.assistants.map((a) => a.id)).not.toContain(gone.id);
    expect((await d1Rows(user.sub)).map((r) => r.id)).not.toContain(gone.id);
  });
});

describe("failed upstream writes change nothing", () => {
  it("a Vapi validation error comes back as 400 with Vapi's message, and the cache is untouched", async () => {
    const user = await newUser({ assistants: 2 });
    const before = await listBody(await user.req("/api/assistants"));
    const rowsBefore = await d1Rows(user.sub);
    const target = before.assistants[0]!;

    const res = await user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "x".repeat(41) } });
    expect(res.status).toBe(400);
    const { error } = ErrorBody.parse(await res.json());
    expect(error.code).toBe("vapi_validation_error");
    expect(error.message).toMatch(/name/);

    const create = await user.req("/api/assistants", { method: "POST", json: { bogusField: 1 } });
    expect(create.status).toBe(400);
    expect(ErrorBody.parse(await create.json()).error.message).toMatch(/bogusField should not exist/);

    expect(await listBody(await user.req("/api/assistants"))).toEqual({ ...before, cached: true });
    expect(await d1Rows(user.sub)).toEqual(rowsBefore);
  });

  it("a Vapi 5xx on create, update or delete is a 502 and changes nothing", async () => {
    const user = await newUser({ assistants: 2 });
    const before = await listBody(await user.req("/api/assistants"));
    const rowsBefore = await d1Rows(user.sub);
    const vapiBefore = await vapiAssistants(user.key);
    const target = before.assistants[0]!;

    const broken = await fault(user.key, { errorRate: 1, errorStatus: 503, routes: ["POST /assistant", "PATCH /assistant/:id", "DELETE /assistant/:id"] });
    const answers = await Promise.all([
      user.req("/api/assistants", { method: "POST", json: { name: "Never" } }),
      user.req(`/api/assistants/${target.id}`, { method: "PATCH", json: { name: "Never" } }),
      user.req(`/api/assistants/${target.id}`, { method: "DELETE" }),
    ]);
    await broken.clear();
    for (const a of answers) {
      expect(a.status).toBe(502);
      expect(ErrorBody.parse(await a.json()).error.code).toBe("vapi_error");
    }
    expect(await listBody(await user.req("/api/assistants"))).toEqual({ ...before, cached: true });
    expect(await d1Rows(user.sub)).toEqual(rowsBefore);
    expect(await vapiAssistants(user.key)).toEqual(vapiBefore);
  });
});
