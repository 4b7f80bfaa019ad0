// Auth and POST /assistant: what Vapi accepts, stores and refuses.
import { describe, expect, it } from "vitest";
import { errorSchema } from "../../emulator/client.ts";
import { NOT_FOUND, useEmulator, validModel } from "./emulator-fixture.ts";

const { api, newOrg, create, badRequestMessages } = useEmulator();

const INVALID_KEY = {
  message: "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.",
  error: "Unauthorized",
  statusCode: 401,
};
describe("auth", () => {
  it("answers 401 with Vapi's body when the key is missing or unknown", async () => {
    for (const key of [undefined, "not-a-registered-key"]) {
      const result = await api("GET", "/assistant", { key });
      expect(result.status).toBe(401);
      expect(result.json).toEqual(INVALID_KEY);
    }
    expect((await api("POST", "/assistant", { body: {} })).status).toBe(401);
  });

  it("keeps each key's assistants to itself", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const mine = await create(a, { name: "Mine" });
    expect((await api("GET", "/assistant", { key: b })).json).toEqual([]);
    expect((await api("GET", `/assistant/${mine.id}`, { key: b })).json).toEqual(NOT_FOUND);
    expect((await api("PATCH", `/assistant/${mine.id}`, { key: b, body: { name: "x" } })).status).toBe(404);
    expect((await api("DELETE", `/assistant/${mine.id}`, { key: b })).status).toBe(404);
    const otherOrg = await create(b, {});
    expect(otherOrg.orgId).not.toBe(mine.orgId);
    expect((await api("GET", `/assistant/${mine.id}`, { key: a })).json).toEqual(mine);
  });
});

describe("create", () => {
  it("accepts {} and fills in only the server fields", async () => {
    const key = await newOrg();
    const before = Date.now();
    const created = await create(key, {});
    expect(Object.keys(created).sort()).toEqual(["createdAt", "id", "isServerUrlSecretSet", "orgId", "updatedAt"]);
    expect(created.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(created.updatedAt).toBe(created.createdAt);
    expect(Date.parse(created.createdAt)).toBeGreaterThanOrEqual(before);
  });

  it("stores what was sent, no defaults, and drops nulls", async () => {
    const key = await newOrg();
    const body = { name: "Sales", model: validModel, voice: { provider: "vapi", voiceId: "Elliot" }, metadata: { a: 1 } };
    const created = await create(key, { ...body, firstMessage: null });
    expect(created).toEqual({ ...body, id: created.id, orgId: created.orgId, createdAt: created.createdAt, updatedAt: created.updatedAt, isServerUrlSecretSet: false });
  });

  it("rejects unknown and read-only properties with one message each", async () => {
    const key = await newOrg();
    const messages = await badRequestMessages(key, "POST", "/assistant", {
      name: "ok", id: "x", orgId: "y", createdAt: "z", updatedAt: "z", isServerUrlSecretSet: false, latestVersion: "v1", serverUrl: "https://a",
    });
    expect(messages).toEqual(
      ["id", "orgId", "createdAt", "updatedAt", "isServerUrlSecretSet", "latestVersion", "serverUrl"].map((p) => `property ${p} should not exist`),
    );
    expect((await api("GET", "/assistant", { key })).json).toEqual([]);
  });

  it("limits name to 40 characters, counting an emoji as one", async () => {
    const key = await newOrg();
    expect(await badRequestMessages(key, "POST", "/assistant", { name: "x".repeat(41) })).toEqual([
      "name must be shorter than or equal to 40 characters",
    ]);
    await create(key, { name: "x".repeat(40) });
    await create(key, { name: `${"x".repeat(39)}😀` });
  });

  it("requires model.provider and model.model", async () => {
    const key = await newOrg();
    const [missingProvider] = await badRequestMessages(key, "POST", "/assistant", { model: { messages: [] } });
    expect(missingProvider).toMatch(/^model\.provider must be one of the following values: .*openai/);
    const [unknownOpenAi] = await badRequestMessages(key, "POST", "/assistant", { model: { provider: "openai", model: "gpt-9" } });
    expect(unknownOpenAi).toMatch(/^model\.model must be one of the following values: .*gpt-4o-mini/);
    expect(await badRequestMessages(key, "POST", "/assistant", { model: { provider: "anthropic" } })).toEqual(["model.model must be a string"]);
    await create(key, { model: { provider: "vapi" } });
    await create(key, { model: { provider: "openrouter", model: "any/model" } });
  });

  it("collects every failure into the message array", async () => {
    const key = await newOrg();
    const messages = await badRequestMessages(key, "POST", "/assistant", {
      model: { provider: "openai", model: "gpt-4o", messages: [{ role: "boss", content: 3 }], temperature: 3 },
      voice: { provider: "11labs" },
      transcriber: {},
      maxDurationSeconds: 5,
      voicemailMessage: "v".repeat(1001),
      endCallPhrases: ["x", "p".repeat(141)],
      server: { url: 42 },
      metadata: [1],
      firstMessageMode: "shout",
      firstMessage: 7,
    });
    expect(messages).toEqual([
      expect.stringMatching(/^transcriber\.provider must be one of the following values: /),
      "model.temperature must not be greater than 2",
      "model.messages.0.role must be one of the following values: assistant, function, user, system, tool",
      "model.messages.0.content must be a string",
      "voice.voiceId must be a string",
      "firstMessage must be a string",
      expect.stringMatching(/^firstMessageMode must be one of the following values: assistant-speaks-first, /),
      "maxDurationSeconds must not be less than 10",
      "voicemailMessage must be shorter than or equal to 1000 characters",
      "each value in endCallPhrases must be longer than or equal to 2 characters",
      "each value in endCallPhrases must be shorter than or equal to 140 characters",
      "metadata must be an object",
      "server.url must be a string",
    ]);
  });

  it("answers 400 to a body that is not JSON or not an object", async () => {
    const key = await newOrg();
    const notJson = await api("POST", "/assistant", { key, rawBody: "{not json" });
    expect(notJson.status).toBe(400);
    expect(errorSchema.parse(notJson.json)).toMatchObject({ error: "Bad Request", statusCode: 400 });
    expect(await badRequestMessages(key, "POST", "/assistant", [{ name: "a" }])).toEqual([
      "an unknown value was passed to the validate function",
    ]);
    expect((await api("GET", "/assistant", { key })).json).toEqual([]);
  });
});
