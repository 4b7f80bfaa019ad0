// Phone numbers, tools and squads: Vapi's shapes (checked against the response schemas of Vapi's
// OpenAPI, as extracted in emulator/resource-schemas.json), validation by `provider`/`type`,
// paging, faults, counters, and what deletes do to references.
import { readFileSync } from "node:fs";
import { assert, describe, expect, it } from "vitest";
import { z } from "zod";
import { type EmulatedItem, itemSchema } from "../../emulator/client.ts";
import { NOT_FOUND, useEmulator } from "./emulator-fixture.ts";

const emulator = useEmulator();
const { api, newOrg, badRequestMessages } = emulator;

const extract = z
  .object({
    resources: z.record(z.string(), z.object({
      discriminator: z.string().nullable(),
      variants: z.record(z.string(), z.object({ response: z.object({ properties: z.array(z.string()), required: z.array(z.string()) }) })),
    })),
  })
  .parse(JSON.parse(readFileSync(new URL("../../emulator/resource-schemas.json", import.meta.url), "utf8")));

/** An answer has every property its variant's response schema requires, and no other than it names. */
function expectVapiShape(path: string, item: EmulatedItem): void {
  const resource = extract.resources[path];
  if (!resource) return; // assistants: emulator-assistants.test.ts
  const variant = resource.discriminator === null ? "" : String(item[resource.discriminator]);
  const response = resource.variants[variant]?.response ?? assert.fail(`${path} ${variant}`);
  expect(Object.keys(item).filter((key) => !response.properties.includes(key)), `${path} ${variant}`).toEqual([]);
  expect(response.required.filter((key) => !(key in item)), `${path} ${variant}`).toEqual([]);
}

async function create(key: string, path: string, body: Record<string, unknown>): Promise<EmulatedItem> {
  const result = await api("POST", `/${path}`, { key, body });
  expect(result.status, JSON.stringify(result.json)).toBe(201);
  const item = itemSchema.parse(result.json);
  expectVapiShape(path, item);
  return item;
}

async function list(key: string, path: string, query = ""): Promise<EmulatedItem[]> {
  const result = await api("GET", `/${path}${query}`, { key });
  expect(result.status).toBe(200);
  return z.array(itemSchema).parse(result.json);
}

const twilio = { provider: "twilio", number: "+16505550100", twilioAccountSid: "AC123", twilioAuthToken: "tok-secret", twilioApiKey: "SK1", twilioApiSecret: "api-secret" };
const PHONE_PROVIDERS = "provider must be one of the following values: byo-phone-number, twilio, vonage, vapi, telnyx";

describe("phone numbers", () => {
  it("creates each provider's number in Vapi's shape, with status, and a vapi number gets a number", async () => {
    const key = await newOrg();
    const before = Date.now();
    const number = await create(key, "phone-number", { ...twilio, name: "Main line" });
    expect(number).toEqual({ ...twilio, name: "Main line", id: number.id, orgId: number.orgId, createdAt: number.createdAt, updatedAt: number.createdAt, status: "active" });
    expect(Date.parse(number.createdAt)).toBeGreaterThanOrEqual(before);
    const vapi = await create(key, "phone-number", { provider: "vapi", numberDesiredAreaCode: "212" });
    expect(vapi.number).toMatch(/^\+1212\d{7}$/);
    await create(key, "phone-number", { provider: "byo-phone-number", number: "1234", credentialId: "cred-1", numberE164CheckEnabled: false });
    // Twilio credentials come back in answers, as Vapi sends them.
    expect((await api("GET", `/phone-number/${number.id}`, { key })).json).toMatchObject({ twilioAuthToken: "tok-secret", twilioApiSecret: "api-secret" });
    expect((await list(key, "phone-number")).map((n) => n.provider)).toEqual(["byo-phone-number", "vapi", "twilio"]);
  });

  it("validates against the DTO its provider picks; without a known provider that is the only message", async () => {
    const key = await newOrg();
    expect(await badRequestMessages(key, "POST", "/phone-number", {})).toEqual([PHONE_PROVIDERS]);
    expect(await badRequestMessages(key, "POST", "/phone-number", { provider: "sip", number: 1 })).toEqual([PHONE_PROVIDERS]);
    expect(await badRequestMessages(key, "POST", "/phone-number", { provider: "twilio" })).toEqual([
      "number must be a string",
      "twilioAccountSid must be a string",
    ]);
    expect(await badRequestMessages(key, "POST", "/phone-number", { provider: "vapi", number: "+1", status: "active", smsEnabled: "yes" })).toEqual([
      "property number should not exist",
      "property status should not exist",
      "property smsEnabled should not exist", // only Twilio numbers have it
    ]);
    expect(await badRequestMessages(key, "POST", "/phone-number", { provider: "byo-phone-number", credentialId: "c", number: "12", name: "n".repeat(41) })).toEqual([
      "number must be longer than or equal to 3 characters",
      "name must be shorter than or equal to 40 characters",
    ]);
    expect(await list(key, "phone-number")).toEqual([]);
  });

  it("PATCHes like assistants (shallow, null clears, updatedAt moves) but never changes the provider", async () => {
    const key = await newOrg();
    const assistantId = crypto.randomUUID();
    const number = await create(key, "phone-number", { ...twilio, assistantId, fallbackDestination: { type: "number", number: "+14155550000" } });
    const patched = await api("PATCH", `/phone-number/${number.id}`, { key, body: { assistantId: null, squadId: "s-1", fallbackDestination: { type: "sip", sipUri: "sip:a@b" } } });
    expect(patched.status).toBe(200);
    const updated = itemSchema.parse(patched.json);
    expect(updated).not.toHaveProperty("assistantId");
    expect(updated).toMatchObject({ squadId: "s-1", fallbackDestination: { type: "sip", sipUri: "sip:a@b" }, twilioAuthToken: "tok-secret" });
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(number.updatedAt));
    expect(await badRequestMessages(key, "PATCH", `/phone-number/${number.id}`, { provider: "vapi", credentialId: "c" })).toEqual([
      "property credentialId should not exist",
      "provider must be one of the following values: twilio",
    ]);
    expect((await api("GET", `/phone-number/${number.id}`, { key })).json).toEqual(updated);
    // The stored item picks the DTO, so an unknown id is a 404 whatever the body.
    expect((await api("PATCH", `/phone-number/${crypto.randomUUID()}`, { key, body: { nope: 1 } })).json).toEqual(NOT_FOUND);
    expect(await badRequestMessages(key, "PATCH", "/phone-number/not-a-uuid", {})).toEqual(["id must be a UUID"]);
  });

  it("answers DELETE with the deleted number, then 404", async () => {
    const key = await newOrg();
    const number = await create(key, "phone-number", twilio);
    const deleted = await api("DELETE", `/phone-number/${number.id}`, { key });
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual(number);
    for (const method of ["GET", "PATCH", "DELETE"]) {
      expect((await api(method, `/phone-number/${number.id}`, { key, body: method === "PATCH" ? {} : undefined })).json).toEqual(NOT_FOUND);
    }
  });
});

describe("tools", () => {
  it("creates tools of each kind and validates by type", async () => {
    const key = await newOrg();
    await create(key, "tool", { type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } }, async: true });
    await create(key, "tool", { type: "apiRequest", method: "GET", url: "https://example.com", name: "get_slots", timeoutSeconds: 20 });
    await create(key, "tool", { type: "endCall" });
    const [missingType] = await badRequestMessages(key, "POST", "/tool", { function: {} });
    expect(missingType).toMatch(/^type must be one of the following values: apiRequest, code, dtmf, endCall, function, transferCall, .*voicemail$/);
    expect(await badRequestMessages(key, "POST", "/tool", { type: "apiRequest", name: "bad name!", timeoutSeconds: 0, url: 5 })).toEqual([
      "name must match /^[a-zA-Z0-9_-]{1,40}$/ regular expression",
      "method must be one of the following values: POST, GET, PUT, PATCH, DELETE",
      "timeoutSeconds must not be less than 1",
      "url must be a string",
    ]);
    expect(await badRequestMessages(key, "POST", "/tool", { type: "endCall", url: "u" })).toEqual(["property url should not exist"]);
    expect(await list(key, "tool")).toHaveLength(3);
  });
});

describe("squads", () => {
  it("requires members on create and on PATCH (Vapi's UpdateSquadDTO does), and checks each member", async () => {
    const key = await newOrg();
    const members = [{ assistantId: crypto.randomUUID() }, { assistant: { name: "Inline" } }];
    const squad = await create(key, "squad", { name: "Front desk", members });
    expect(squad.members).toEqual(members);
    expect(await badRequestMessages(key, "POST", "/squad", { name: "x" })).toEqual(["members must be an array"]);
    expect(await badRequestMessages(key, "PATCH", `/squad/${squad.id}`, { name: "Renamed" })).toEqual(["members must be an array"]);
    expect(await badRequestMessages(key, "POST", "/squad", { members: [1, { assistantId: 2 }] })).toEqual([
      "nested property members.0 must be either object or array",
      "members.1.assistantId must be a string",
    ]);
    const renamed = await api("PATCH", `/squad/${squad.id}`, { key, body: { name: "Renamed", members: members.slice(0, 1) } });
    expect(renamed.json).toMatchObject({ name: "Renamed", members: members.slice(0, 1) });
  });

  it("filters the list by idAny (repeated or comma-separated UUIDs)", async () => {
    const key = await newOrg();
    const [a, b, c] = [await create(key, "squad", { members: [] }), await create(key, "squad", { members: [] }), await create(key, "squad", { members: [] })];
    expect((await list(key, "squad", `?idAny=${a.id}&idAny=${c.id}`)).map((s) => s.id)).toEqual([c.id, a.id]);
    expect((await list(key, "squad", `?idAny=${b.id},${a.id}&limit=1`)).map((s) => s.id)).toEqual([b.id]);
    expect((await api("GET", "/squad?idAny=nope", { key })).status).toBe(400);
    expect((await api("GET", `/tool?idAny=${a.id}`, { key })).json).toMatchObject({ message: ["property idAny should not exist"] });
  });
});

describe("lists, generation, auth, counters and faults", () => {
  it("generates N of each per org, referencing its items, valid when sent back, and pages like assistants", async () => {
    const org = await emulator.admin.registerOrg({ assistants: 4, phoneNumbers: 13, tools: 11, squads: 12 });
    expect(org).toMatchObject({ assistants: 4, phoneNumbers: 13, tools: 11, squads: 12 });
    const key = org.privateKey;
    const assistants = new Set((await list(key, "assistant")).map((a) => a.id));
    for (const [path, size] of [["phone-number", 13], ["tool", 11], ["squad", 12]] as const) {
      const all = await list(key, path);
      expect(all).toHaveLength(size);
      for (const item of all) expectVapiShape(path, item);
      // Paging with createdAtLe and de-duplication by id finds everything (batches share a ms).
      const seen = new Set<string>();
      for (let query = "?limit=6"; ; ) {
        const page = await list(key, path, query);
        const fresh = page.filter((item) => !seen.has(item.id));
        for (const item of fresh) seen.add(item.id);
        const last = page.at(-1);
        if (fresh.length === 0 || !last) break;
        query = `?limit=6&createdAtLe=${last.createdAt}`;
      }
      expect([...seen].sort()).toEqual(all.map((item) => item.id).sort());
      expect(await badRequestMessages(key, "GET", `/${path}?page=2`, undefined)).toEqual(["property page should not exist"]);
      // What was generated passes Vapi's validation when sent back (server fields aside).
      for (const { id, orgId, createdAt, updatedAt, status, number, ...content } of all) {
        await create(key, path, content.provider === "vapi" || path !== "phone-number" ? content : { ...content, number });
      }
    }
    const numbers = await list(key, "phone-number");
    expect(numbers.filter((n) => typeof n.assistantId === "string").every((n) => assistants.has(String(n.assistantId)))).toBe(true);
    expect(numbers.some((n) => typeof n.squadId === "string")).toBe(true);
  });

  it("answers 401 without a known key and keeps each org's items to itself", async () => {
    const [a, b] = [await newOrg(), await newOrg()];
    const tool = await create(a, "tool", { type: "endCall" });
    for (const path of ["/phone-number", "/tool", "/squad"]) expect((await api("GET", path)).status).toBe(401);
    expect((await api("GET", `/tool/${tool.id}`, { key: b })).json).toEqual(NOT_FOUND);
    expect(await list(b, "tool")).toEqual([]);
  });

  it("counts each resource's routes and applies faults per route, a faulted write changing nothing", async () => {
    const key = await newOrg();
    await emulator.admin.resetRequests();
    await emulator.admin.setFaults({ errorRate: 1, errorStatus: 503, routes: ["GET /tool", "POST /phone-number"], keys: [key] });
    try {
      expect((await api("GET", "/tool", { key })).status).toBe(503);
      expect((await api("POST", "/phone-number", { key, body: twilio })).status).toBe(503);
      expect((await api("GET", "/squad", { key })).status).toBe(200);
    } finally {
      await emulator.admin.clearFaults(key);
    }
    expect(await list(key, "phone-number")).toEqual([]);
    const stats = await emulator.admin.requests();
    expect(stats.byRoute).toMatchObject({ "GET /tool": 1, "POST /phone-number": 1, "GET /squad": 1, "GET /phone-number": 1 });
    expect(stats.byKey[key]).toBe(4);
  });
});

describe("references to a deleted item", () => {
  async function linked(key: string) {
    const tool = await create(key, "tool", { type: "endCall" });
    const assistant = await create(key, "assistant", { model: { provider: "openai", model: "gpt-4o", toolIds: [tool.id] } });
    const squad = await create(key, "squad", { members: [{ assistantId: assistant.id }, { assistantId: "other" }] });
    const byAssistant = await create(key, "phone-number", { ...twilio, assistantId: assistant.id });
    const bySquad = await create(key, "phone-number", { provider: "vapi", squadId: squad.id });
    return { tool, assistant, squad, byAssistant, bySquad };
  }
  const get = async (key: string, path: string, id: string) => itemSchema.parse((await api("GET", `/${path}/${id}`, { key })).json);

  it("keeps the dangling ids by default (Vapi does not document what it does)", async () => {
    const key = await newOrg();
    const { tool, assistant, squad, byAssistant, bySquad } = await linked(key);
    for (const [path, id] of [["tool", tool.id], ["assistant", assistant.id], ["squad", squad.id]] as const) {
      expect((await api("DELETE", `/${path}/${id}`, { key })).status).toBe(200);
    }
    expect(await get(key, "phone-number", byAssistant.id)).toEqual(byAssistant);
    expect(await get(key, "phone-number", bySquad.id)).toEqual(bySquad);
  });

  it("clears them, moving updatedAt, under the onReferencedDelete: clear fault", async () => {
    const key = await newOrg();
    const { tool, assistant, squad, byAssistant, bySquad } = await linked(key);
    await emulator.admin.setFaults({ onReferencedDelete: "clear", keys: [key] });
    try {
      await api("DELETE", `/tool/${tool.id}`, { key });
      expect((await get(key, "assistant", assistant.id)).model).toEqual({ provider: "openai", model: "gpt-4o", toolIds: [] });
      await api("DELETE", `/assistant/${assistant.id}`, { key });
      const number = await get(key, "phone-number", byAssistant.id);
      expect(number).not.toHaveProperty("assistantId");
      expect(Date.parse(number.updatedAt)).toBeGreaterThan(Date.parse(byAssistant.updatedAt));
      expect((await get(key, "squad", squad.id)).members).toEqual([{}, { assistantId: "other" }]);
      await api("DELETE", `/squad/${squad.id}`, { key });
      expect(await get(key, "phone-number", bySquad.id)).not.toHaveProperty("squadId");
    } finally {
      await emulator.admin.clearFaults(key);
    }
  });
});
