import { assert, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { assistantSchema, errorSchema, orgSchema } from "../../emulator/client.ts";
import { ROUTES } from "../../emulator/counters.ts";
import { useEmulator } from "./emulator-fixture.ts";

const none = { phoneNumbers: 0, tools: 0, squads: 0 };
/** Every route's counter, zero unless given. */
const byRoute = (counts: Record<string, number>) => ({ ...Object.fromEntries(ROUTES.map((route) => [route, 0])), ...counts });

const emulator = useEmulator();
const { api } = emulator;

describe("orgs", () => {
  it("registers a key as an org (201), and again finds the same org (200) adding any new assistants", async () => {
    const privateKey = `k-${crypto.randomUUID()}`;
    const first = await api("POST", "/__emulator/orgs", { body: { privateKey, assistants: 3 } });
    expect(first.status).toBe(201);
    const org = orgSchema.parse(first.json);
    expect(org).toEqual({ privateKey, orgId: org.orgId, assistants: 3, ...none });
    const again = await api("POST", "/__emulator/orgs", { body: { privateKey, assistants: 2 } });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ privateKey, orgId: org.orgId, assistants: 5, ...none });
    const listed = z.array(assistantSchema).parse((await api("GET", "/assistant", { key: privateKey })).json);
    expect(listed).toHaveLength(5);
    expect(listed.every((a) => a.orgId === org.orgId)).toBe(true);
  });

  it("rejects a bad registration body", async () => {
    for (const body of [{}, { privateKey: "" }, { privateKey: "k", assistants: -1 }, { privateKey: "k", extra: 1 }]) {
      const result = await api("POST", "/__emulator/orgs", { body });
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(errorSchema.parse(result.json).statusCode).toBe(400);
    }
  });

  it("generates realistic, distinct, valid assistants", async () => {
    const { privateKey } = await emulator.admin.registerOrg({ assistants: 400 });
    const all = await emulator.admin.assistants(privateKey);
    const names = all.map((a) => String(a.name));
    expect(new Set(names).size).toBe(400);
    expect(names.every((name) => name.length > 3 && name.length <= 40)).toBe(true);
    for (const a of all) {
      expect(a).toMatchObject({ model: { provider: "openai" }, voice: { provider: expect.any(String) }, firstMessage: expect.any(String) });
      expect(Date.parse(a.updatedAt)).toBeGreaterThanOrEqual(Date.parse(a.createdAt));
    }
    // What was generated passes Vapi's own validation when sent back.
    const sample = all[7] ?? assert.fail();
    const { id, orgId, createdAt, updatedAt, isServerUrlSecretSet, ...content } = sample;
    expect((await api("POST", "/assistant", { key: privateKey, body: content })).status).toBe(201);
  });

  it("deletes an org, so its key is unknown from then on", async () => {
    const { privateKey, orgId } = await emulator.admin.registerOrg({ assistants: 2 });
    expect(await emulator.admin.deleteOrg(privateKey)).toEqual({ privateKey, orgId, assistants: 2, ...none });
    expect((await api("GET", "/assistant", { key: privateKey })).status).toBe(401);
    expect((await api("DELETE", `/__emulator/orgs/${privateKey}`)).status).toBe(404);
  });

  it("lists an org's assistants without paging or counting", async () => {
    const { privateKey } = await emulator.admin.registerOrg({ assistants: 120 });
    const before = await emulator.admin.requests();
    expect(await emulator.admin.assistants(privateKey)).toHaveLength(120);
    expect((await emulator.admin.requests()).total).toBe(before.total);
    expect((await api("GET", "/__emulator/orgs/unknown-key/assistants")).status).toBe(404);
  });
});

describe("changes behind the cache's back", () => {
  it("PATCH merges like Vapi's PATCH and bumps updatedAt; DELETE removes", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 2 });
    const [target, other] = await emulator.admin.assistants(key);
    if (!target || !other) assert.fail();
    const patched = await emulator.admin.patchBehindBack(key, target.id, { name: "Edited in dashboard", firstMessage: null });
    expect(patched.name).toBe("Edited in dashboard");
    expect("firstMessage" in patched).toBe(false);
    expect(patched.model).toEqual(target.model);
    expect(Date.parse(patched.updatedAt)).toBeGreaterThan(Date.parse(target.updatedAt));
    expect((await api("GET", `/assistant/${target.id}`, { key })).json).toEqual(patched);

    expect(await emulator.admin.deleteBehindBack(key, other.id)).toEqual(other);
    expect((await api("GET", `/assistant/${other.id}`, { key })).status).toBe(404);
    const missing = `/__emulator/orgs/${key}/assistants/${other.id}`;
    expect((await api("DELETE", missing)).status).toBe(404);
    expect((await api("PATCH", missing, { body: { name: "x" } })).status).toBe(404);
    expect((await api("PATCH", `/__emulator/orgs/${key}/assistants/${target.id}`, { body: { id: "x" } })).status).toBe(400);
  });

  it("POST creates an assistant as Vapi's dashboard would, not counted as the key's traffic", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 1 });
    const before = (await emulator.admin.requests()).byKey[key] ?? 0;
    const created = await emulator.admin.createBehindBack(key, { name: "Made in the dashboard" });
    expect(created.name).toBe("Made in the dashboard");
    expect(created.createdAt).toBe(created.updatedAt);
    expect((await emulator.admin.assistants(key))[0]).toEqual(created);
    expect((await emulator.admin.requests()).byKey[key] ?? 0).toBe(before);
    expect((await api("POST", `/__emulator/orgs/${key}/assistants`, { body: { orgId: "x" } })).status).toBe(400);
    expect((await api("GET", `/assistant/${created.id}`, { key })).json).toEqual(created);
  });
});

describe("request counters", () => {
  beforeEach(() => emulator.admin.resetRequests());

  it("counts Vapi requests by route, by key and by key and route, not admin calls", async () => {
    const { privateKey: a } = await emulator.admin.registerOrg();
    const { privateKey: b } = await emulator.admin.registerOrg();
    await emulator.admin.resetRequests();
    const created = assistantSchema.parse((await api("POST", "/assistant", { key: a, body: {} })).json);
    await api("GET", "/assistant", { key: a });
    await api("GET", "/assistant", { key: b });
    await api("GET", `/assistant/${created.id}`, { key: a });
    await api("PATCH", `/assistant/${created.id}`, { key: a, body: { name: "n" } });
    await api("DELETE", `/assistant/${created.id}`, { key: a });
    await api("GET", "/assistant");
    await emulator.admin.assistants(a);
    expect(await emulator.admin.requests()).toEqual({
      total: 7,
      byRoute: byRoute({ "GET /assistant": 3, "POST /assistant": 1, "GET /assistant/:id": 1, "PATCH /assistant/:id": 1, "DELETE /assistant/:id": 1 }),
      byKey: { [a]: 5, [b]: 1 },
      byKeyAndRoute: {
        [a]: { "POST /assistant": 1, "GET /assistant": 1, "GET /assistant/:id": 1, "PATCH /assistant/:id": 1, "DELETE /assistant/:id": 1 },
        [b]: { "GET /assistant": 1 },
      },
      maxInFlight: { byKey: { [a]: 1, [b]: 1 } },
      maxInFlightWrites: { byKey: { [a]: 1 } },
    });
  });

  it("records the most requests and writes one key had in flight, latency included", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg();
    await emulator.admin.setFaults({ latencyMs: { min: 40, max: 40 } });
    try {
      await emulator.admin.resetRequests();
      await Promise.all([
        ...Array.from({ length: 5 }, () => api("POST", "/assistant", { key, body: {} })),
        ...Array.from({ length: 3 }, () => api("GET", "/assistant", { key })),
      ]);
    } finally {
      await emulator.admin.clearFaults();
    }
    const stats = await emulator.admin.requests();
    expect(stats.maxInFlightWrites.byKey[key]).toBe(5);
    expect(stats.maxInFlight.byKey[key]).toBe(8);
    // Sequential requests never overlap.
    await emulator.admin.resetRequests();
    for (let i = 0; i < 3; i++) await api("GET", "/assistant", { key });
    expect((await emulator.admin.requests()).maxInFlight.byKey[key]).toBe(1);
  });

  it("zeroes the counters on requests/reset", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg();
    await api("GET", "/assistant", { key });
    const zeroed = await emulator.admin.resetRequests();
    expect(zeroed.total).toBe(0);
    expect(await emulator.admin.requests()).toEqual({
      total: 0,
      byRoute: byRoute({}),
      byKey: {},
      byKeyAndRoute: {},
      maxInFlight: { byKey: {} },
      maxInFlightWrites: { byKey: {} },
    });
  });
});

describe("reset", () => {
  it("forgets every org, assistant, fault and counter", async () => {
    const { privateKey: key } = await emulator.admin.registerOrg({ assistants: 3 });
    await api("GET", "/assistant", { key });
    await emulator.admin.setFaults({ errorRate: 1, routes: ["DELETE /assistant/:id"] });
    await emulator.admin.reset();
    expect((await api("GET", "/__emulator/faults")).json).toEqual({ global: null, byKey: {} });
    expect((await api("GET", "/assistant", { key })).status).toBe(401);
    expect((await emulator.admin.requests()).byKey).toEqual({ [key]: 1 });
    const again = await emulator.admin.registerOrg({ privateKey: key });
    expect(again.assistants).toBe(0);
  });

  it("re-adds the demo org only when asked", async () => {
    await emulator.admin.reset();
    expect((await api("GET", "/assistant", { key: "dev-vapi-key" })).status).toBe(401);
    await api("POST", "/__emulator/reset?demo=1");
    const demo = z.array(assistantSchema).parse((await api("GET", "/assistant", { key: "dev-vapi-key" })).json);
    expect(demo.length).toBeGreaterThanOrEqual(5);
    expect(new Set(demo.map((a) => a.name)).size).toBe(demo.length);
  });
});
