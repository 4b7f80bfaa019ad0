import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, fault, listBody, newUser, token, uid } from "./helpers";

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
});
