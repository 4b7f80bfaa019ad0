import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { admin, call, d1Settled, fault, listBody, newUser, token, uid } from "./helpers";
import { openTab } from "./tabs";

describe("secrets never leave the service", () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(" ")));
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("no Vapi key, token or service secret in any response, log line or the stats, through successes and failures", async () => {
    const seen: string[] = [];
    const record = async (res: Response) => {
      seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`);
      return res;
    };
    const user = await newUser({ assistants: 2 });
    const req = async (path: string, init: RequestInit & { json?: unknown } = {}) => record(await user.req(path, init));

    // Successes: settings, reads, writes, stats.
    await req("/api/settings");
    const { assistants } = await listBody(await req("/api/assistants"));
    const id = assistants[0]!.id;
    await req(`/api/assistants/${id}`);
    await req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "Renamed" } });
    await req("/api/assistants", { method: "POST", json: { name: "New" } });
    await req(`/api/assistants/${assistants[1]!.id}`, { method: "DELETE" });

    // Failures: a key Vapi refuses, Vapi's own validation, 404, 5xx, a timeout, bad tokens.
    const refusedKey = `sk-refused-${crypto.randomUUID()}`;
    const statuses = [
      (await req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: refusedKey } })).status,
      (await req("/api/assistants", { method: "POST", json: { model: { provider: "not-a-provider" } } })).status,
      (await req(`/api/assistants/${crypto.randomUUID()}`)).status,
    ];
    const broken = await fault(user.key, { errorRate: 1, errorStatus: 500 });
    statuses.push((await req("/api/assistants", { headers: { "Cache-Control": "no-cache" } })).status);
    await broken.clear();
    const hung = await fault(user.key, { hangRate: 1 });
    statuses.push((await req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } })).status);
    await hung.clear();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user.sub).setIssuedAt()
      .setExpirationTime("5m").sign(new TextEncoder().encode("guessed-secret-guessed-secret-guessed"));
    statuses.push((await record(await call("/api/settings", { token: forged }))).status);
    statuses.push((await record(await call("/api/assistants", { token: await token(uid(), "30d") }))).status);
    expect(statuses).toEqual([424, 400, 404, 502, 504, 401, 401]);
    const stats = await (await req("/api/cache/stats")).text();

    // The capture sees the Worker's and the coordinator's output: one request line per call.
    expect(logged.filter((l) => l.startsWith('{"msg":"request"')).length).toBeGreaterThanOrEqual(seen.length);
    const secrets = [user.key, user.token, refusedKey, forged, env.ENCRYPTION_KEY, env.JWT_SECRET];
    for (const secret of secrets) {
      expect(seen.join("\n")).not.toContain(secret);
      expect(logged.join("\n")).not.toContain(secret);
      expect(stats).not.toContain(secret);
    }
    // Logs name users by a hash, never by their id.
    expect(logged.join("\n")).not.toContain(user.sub);
    // ...and the stored row is ciphertext.
    const row = await env.DB.prepare("SELECT * FROM user_settings WHERE user_id = ?").bind(user.sub).first();
    expect(JSON.stringify(row)).not.toContain(user.key);
  });

  it("a Twilio number's credentials reach Vapi but no answer, D1 row, event or log line, created, patched or read back", async () => {
    const user = await newUser();
    const tab = await openTab(user.token, { path: "/api/events", via: "protocol", protocols: ["vapi-edge-cache.v2"] });
    await tab.waitFor((m) => m.type === "ready");
    const secret = (name: string) => `${name}-${crypto.randomUUID()}`;
    const creds = { twilioAuthToken: secret("token"), twilioApiKey: secret("key"), twilioApiSecret: secret("secret") };
    const seen: string[] = [];
    const req = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const res = await user.req(path, init);
      seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.clone().text()}`);
      return res;
    };

    const created = await req("/api/phone-numbers", {
      method: "POST",
      json: { provider: "twilio", number: "+14155550123", twilioAccountSid: "AC0123", name: "Sales", ...creds },
    });
    expect(created.status).toBe(201);
    const { phoneNumber } = (await created.json()) as { phoneNumber: { id: string; number: string } };
    expect(phoneNumber.number).toBe("+14155550123");
    // A PATCH that sets a new token: Vapi gets it, the answer does not.
    const rotated = secret("rotated");
    expect((await req(`/api/phone-numbers/${phoneNumber.id}`, { method: "PATCH", json: { twilioAuthToken: rotated } })).status).toBe(200);
    // Read back from Vapi (list and id, no-cache), through the refresh path.
    await req("/api/phone-numbers", { headers: { "Cache-Control": "no-cache" } });
    await req(`/api/phone-numbers/${phoneNumber.id}`, { headers: { "Cache-Control": "no-cache" } });
    await tab.waitFor(() => tab.raw.some((m) => m.includes(`"type":"updated"`)));

    const [inVapi] = await admin.items(user.key, "phone-numbers");
    expect(inVapi).toMatchObject({ ...creds, twilioAuthToken: rotated });
    await d1Settled(user.sub);
    const rows = await env.DB.prepare("SELECT * FROM phone_numbers_cache WHERE user_id = ?").bind(user.sub).all();
    expect(rows.results).toHaveLength(1);
    const everywhere = [seen.join("\n"), JSON.stringify(rows.results), tab.raw.join("\n"), logged.join("\n")];
    for (const value of [...Object.values(creds), rotated]) {
      for (const place of everywhere) expect(place).not.toContain(value);
    }
    // Named nowhere either: the fields are removed, not blanked.
    for (const place of everywhere) expect(place).not.toMatch(/twilioAuthToken|twilioApiKey|twilioApiSecret/);
    tab.ws.close(1000, "done");
  });
});
