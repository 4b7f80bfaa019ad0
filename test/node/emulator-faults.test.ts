import { afterEach, describe, expect, it, vi } from "vitest";
import { assistantSchema, call, emulatorAdmin, errorSchema } from "../../emulator/client.ts";
import { startEmulator } from "../../emulator/server.ts";
import { useEmulator } from "./emulator-fixture.ts";

const emulator = useEmulator();
const { api } = emulator;
afterEach(() => emulator.admin.clearFaults());

async function orgWithOne() {
  const { privateKey: key } = await emulator.admin.registerOrg();
  const assistant = assistantSchema.parse((await api("POST", "/assistant", { key, body: { name: "Original" } })).json);
  return { key, assistant };
}

describe("faults", () => {
  it("delays answers by latencyMs", async () => {
    const { key } = await orgWithOne();
    await emulator.admin.setFaults({ latencyMs: { min: 60, max: 80 } });
    const slow = await api("GET", "/assistant", { key });
    expect(slow.status).toBe(200);
    // A lower bound only: the answer cannot arrive before the emulator has held it that long.
    expect(slow.ms).toBeGreaterThanOrEqual(58);
  });

  it("answers errorRate 1 with errorStatus and a NestJS body", async () => {
    const { key } = await orgWithOne();
    await emulator.admin.setFaults({ errorRate: 1, errorStatus: 503 });
    for (let i = 0; i < 3; i++) {
      const result = await api("GET", "/assistant", { key });
      expect(result.status).toBe(503);
      expect(result.json).toEqual({ message: "Service Unavailable", error: "Service Unavailable", statusCode: 503 });
    }
    await emulator.admin.setFaults({ errorRate: 1 });
    expect((await api("GET", "/assistant", { key })).status).toBe(500);
    await emulator.admin.setFaults({ errorRate: 0 });
    expect((await api("GET", "/assistant", { key })).status).toBe(200);
  });

  it("answers every n-th request 429 with Retry-After", async () => {
    const { key } = await orgWithOne();
    await emulator.admin.setFaults({ rateLimit: { every: 2, retryAfterSeconds: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await api("GET", "/assistant", { key });
      statuses.push(result.status);
      if (result.status === 429) {
        expect(result.headers.get("retry-after")).toBe("3");
        expect(result.json).toEqual({ message: "Rate limit exceeded", error: "Too Many Requests", statusCode: 429 });
      }
    }
    expect(statuses).toEqual([200, 429, 200, 429, 200, 429]);
  });

  it("applies a slow write even when its client gave up: a lost answer, not a lost write", async () => {
    const { key } = await orgWithOne();
    await emulator.admin.setFaults({ latencyMs: { min: 200, max: 200 }, routes: ["POST /assistant"] });
    await expect(api("POST", "/assistant", { key, body: { name: "Landed late" }, signal: AbortSignal.timeout(50) })).rejects.toThrow();
    // Polled (bounded): the write lands when its latency is over, with nobody listening.
    await vi.waitFor(
      async () => expect((await emulator.admin.assistants(key)).map((a) => String(a.name))).toContain("Landed late"),
      { timeout: 1_000, interval: 10 },
    );
  });

  it("never answers a hung request until the client gives up", async () => {
    const { key } = await orgWithOne();
    await emulator.admin.setFaults({ hangRate: 1 });
    // What ends it is the client's own deadline, not an answer.
    await expect(api("GET", "/assistant", { key, signal: AbortSignal.timeout(150) })).rejects.toMatchObject({ name: "TimeoutError" });
    await emulator.admin.clearFaults();
    // Once the abort reaches the server the request is no longer in flight.
    await vi.waitFor(
      async () => {
        await emulator.admin.resetRequests();
        await api("GET", "/assistant", { key });
        expect((await emulator.admin.requests()).maxInFlight.byKey[key]).toBe(1);
      },
      { timeout: 1_000, interval: 10 },
    );
  });

  it("lets close() end hung requests at once", async () => {
    const other = await startEmulator({ port: 0 });
    const otherAdmin = emulatorAdmin(other.url);
    const { privateKey: key } = await otherAdmin.registerOrg();
    await otherAdmin.setFaults({ hangRate: 1 });
    const hung = call(other.url, "GET", "/assistant", { key });
    const outcome = hung.then(() => "answered", () => "failed");
    await vi.waitFor(async () => expect((await otherAdmin.requests()).maxInFlight.byKey[key]).toBe(1), { interval: 10 });
    // A close() that waited for the hung request would never return: the test's timeout is the bound.
    await other.close();
    expect(await outcome).toBe("failed");
  });

  it("limits faults to the listed routes", async () => {
    const { key, assistant } = await orgWithOne();
    await emulator.admin.setFaults({ errorRate: 1, routes: ["PATCH /assistant/:id"] });
    expect((await api("GET", "/assistant", { key })).status).toBe(200);
    expect((await api("GET", `/assistant/${assistant.id}`, { key })).status).toBe(200);
    expect((await api("PATCH", `/assistant/${assistant.id}`, { key, body: { name: "x" } })).status).toBe(500);
    expect((await api("GET", "/__emulator/requests")).status).toBe(200);
  });

  it("decides before applying: a faulted write changes nothing", async () => {
    const { key, assistant } = await orgWithOne();
    await emulator.admin.setFaults({ errorRate: 1, routes: ["POST /assistant", "PATCH /assistant/:id", "DELETE /assistant/:id"] });
    expect((await api("POST", "/assistant", { key, body: { name: "New" } })).status).toBe(500);
    expect((await api("PATCH", `/assistant/${assistant.id}`, { key, body: { name: "Changed" } })).status).toBe(500);
    expect((await api("DELETE", `/assistant/${assistant.id}`, { key })).status).toBe(500);
    await emulator.admin.setFaults({ rateLimit: { every: 1 } });
    expect((await api("PATCH", `/assistant/${assistant.id}`, { key, body: { name: "Changed" } })).status).toBe(429);
    await emulator.admin.clearFaults();
    expect(await emulator.admin.assistants(key)).toEqual([assistant]);
  });

  it("rejects a malformed faults body and keeps the previous faults", async () => {
    await emulator.admin.setFaults({ errorRate: 0 });
    for (const body of [{ errorRate: 2 }, { latencyMs: { min: 50, max: 10 } }, { routes: ["GET /nope"] }, { surprise: true }]) {
      const result = await api("PUT", "/__emulator/faults", { body });
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(errorSchema.parse(result.json).statusCode).toBe(400);
    }
    expect((await api("GET", "/__emulator/faults")).json).toEqual({ global: { errorRate: 0, errorStatus: 500 }, byKey: {} });
  });

  it("scopes faults with keys to those keys, ahead of the global ones", async () => {
    const [a, b, c] = [await orgWithOne(), await orgWithOne(), await orgWithOne()];
    await emulator.admin.setFaults({ errorRate: 1, errorStatus: 502 });
    await emulator.admin.setFaults({ rateLimit: { every: 2 }, keys: [a.key, b.key] });
    const status = async (key: string) => (await api("GET", "/assistant", { key })).status;
    // a and b share one rateLimit counter; c falls back to the global faults.
    expect([await status(a.key), await status(b.key), await status(a.key), await status(c.key)]).toEqual([200, 429, 200, 502]);
    await emulator.admin.clearFaults(a.key);
    expect(await status(a.key)).toBe(502);
    expect(await status(b.key)).toBe(429);
    const view = await api("GET", "/__emulator/faults");
    expect(view.json).toMatchObject({ global: { errorRate: 1 }, byKey: { [b.key]: { keys: [a.key, b.key] } } });
    await emulator.admin.clearFaults();
    expect([await status(a.key), await status(b.key), await status(c.key)]).toEqual([200, 200, 200]);
  });
});

describe("start-up latency", () => {
  it("delays every Vapi answer but not the admin surface", async () => {
    // Vapi's answers take a minute: the admin surface answers meanwhile, and Vapi's has not come.
    const slow = await startEmulator({ port: 0, latency: { min: 60_000, max: 60_000 } });
    try {
      const slowAdmin = emulatorAdmin(slow.url);
      const { privateKey: key } = await slowAdmin.registerOrg();
      let vapi = "pending";
      void call(slow.url, "GET", "/assistant", { key }).then((r) => (vapi = `answered ${r.status}`), () => (vapi = "ended"));
      await vi.waitFor(async () => expect((await slowAdmin.requests()).maxInFlight.byKey[key]).toBe(1), { interval: 10 });
      const admin = await call(slow.url, "GET", "/__emulator/requests");
      expect(admin.status).toBe(200);
      expect(vapi).toBe("pending");
    } finally {
      await slow.close(); // ends the held request
    }
  });
});
