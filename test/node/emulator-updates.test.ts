// GET, PATCH and DELETE /assistant/:id, and the copies the emulator hands out.
import { assert, describe, expect, it, vi } from "vitest";
import { createEmulatorApp } from "../../emulator/app.ts";
import { assistantSchema } from "../../emulator/client.ts";
import { NOT_FOUND, useEmulator, validModel } from "./emulator-fixture.ts";

const { api, newOrg, create, badRequestMessages } = useEmulator();

describe("get, patch, delete", () => {
  it("answers 400 for an id that is not a UUID and 404 for an unknown one", async () => {
    const key = await newOrg();
    expect(await badRequestMessages(key, "GET", "/assistant/not-a-uuid", undefined)).toEqual(["id must be a UUID"]);
    expect((await api("GET", `/assistant/${crypto.randomUUID()}`, { key })).json).toEqual(NOT_FOUND);
    const created = await create(key, {});
    expect((await api("GET", `/assistant/${created.id.toUpperCase()}`, { key })).json).toEqual(created);
  });

  it("patches shallowly: nested objects replaced, null clears, the rest kept", async () => {
    const key = await newOrg();
    const created = await create(key, {
      name: "Before",
      model: { ...validModel, temperature: 0.2, toolIds: ["t1"] },
      voicemailMessage: "Call back",
      metadata: { a: 1, b: 2 },
    });
    const result = await api("PATCH", `/assistant/${created.id}`, {
      key,
      body: { model: { provider: "openai", model: "gpt-4o-mini" }, voicemailMessage: null, metadata: { c: 3 } },
    });
    expect(result.status).toBe(200);
    const updated = assistantSchema.parse(result.json);
    expect(updated).toEqual({
      ...created,
      model: { provider: "openai", model: "gpt-4o-mini" },
      metadata: { c: 3 },
      voicemailMessage: undefined,
      updatedAt: updated.updatedAt,
    });
    expect("voicemailMessage" in updated).toBe(false);
    expect((await api("GET", `/assistant/${created.id}`, { key })).json).toEqual(updated);
  });

  it("rejects the seed's partial model PATCH and changes nothing", async () => {
    const key = await newOrg();
    const created = await create(key, { model: validModel });
    const [message] = await badRequestMessages(key, "PATCH", `/assistant/${created.id}`, {
      model: { messages: [{ role: "system", content: "New prompt" }] },
    });
    expect(message).toMatch(/^model\.provider must be one of the following values: /);
    expect((await api("GET", `/assistant/${created.id}`, { key })).json).toEqual(created);
  });

  it("moves updatedAt strictly forward on every PATCH, even within one millisecond", async () => {
    const key = await newOrg();
    const created = await create(key, {});
    let previous = created.updatedAt;
    for (let i = 0; i < 20; i++) {
      const updated = assistantSchema.parse((await api("PATCH", `/assistant/${created.id}`, { key, body: {} })).json);
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(previous));
      expect(updated.createdAt).toBe(created.createdAt);
      previous = updated.updatedAt;
    }
  });

  it("moves updatedAt forward by 1 ms when the clock has not moved", async () => {
    const { app, state } = createEmulatorApp();
    state.registerOrg("frozen");
    const headers = { authorization: "Bearer frozen" };
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-02T03:04:05.678Z"));
    try {
      const created = assistantSchema.parse(await (await app.request("/assistant", { method: "POST", headers, body: "{}" })).json());
      const stamps = [created.updatedAt];
      for (let i = 0; i < 3; i++) {
        const response = await app.request(`/assistant/${created.id}`, { method: "PATCH", headers, body: "{}" });
        stamps.push(assistantSchema.parse(await response.json()).updatedAt);
      }
      expect(stamps).toEqual([
        "2026-01-02T03:04:05.678Z",
        "2026-01-02T03:04:05.679Z",
        "2026-01-02T03:04:05.680Z",
        "2026-01-02T03:04:05.681Z",
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("hands out copies: mutating what was sent or returned never changes stored state", () => {
    const { state } = createEmulatorApp();
    const org = state.registerOrg("copies").org.assistants;
    const body = { name: "Kept", model: { ...validModel } };
    const created = org.create(body);
    body.model.model = "mutated";
    created.name = "mutated";
    const fetched = org.get(created.id) ?? assert.fail();
    (fetched.model as { model: string }).model = "mutated too";
    const [listed] = org.list();
    if (listed) listed.name = "mutated three";
    expect(org.get(created.id)).toMatchObject({ name: "Kept", model: validModel });
    const patch = { metadata: { a: 1 } };
    const updated = org.update(created.id, patch) ?? assert.fail();
    patch.metadata.a = 2;
    (updated.metadata as { a: number }).a = 3;
    expect(org.get(created.id)?.metadata).toEqual({ a: 1 });
  });

  it("answers DELETE with the deleted assistant, then 404 for GET, PATCH and DELETE", async () => {
    const key = await newOrg();
    const created = await create(key, { name: "Doomed" });
    const removed = await api("DELETE", `/assistant/${created.id}`, { key });
    expect(removed.status).toBe(200);
    expect(removed.json).toEqual(created);
    expect((await api("GET", `/assistant/${created.id}`, { key })).json).toEqual(NOT_FOUND);
    expect((await api("PATCH", `/assistant/${created.id}`, { key, body: { name: "x" } })).status).toBe(404);
    expect((await api("DELETE", `/assistant/${created.id}`, { key })).status).toBe(404);
    expect((await api("GET", "/assistant", { key })).json).toEqual([]);
  });

  it("answers NestJS's 404 for routes Vapi does not have", async () => {
    const result = await api("PUT", "/assistant", { key: await newOrg() });
    expect(result.status).toBe(404);
    expect(result.json).toEqual({ message: "Cannot PUT /assistant", error: "Not Found", statusCode: 404 });
  });
});
