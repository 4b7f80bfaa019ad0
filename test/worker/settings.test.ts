import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { call, admin, d1Settled, ErrorBody, newUser, token, uid } from "./helpers";

const Settings = z.object({ vapiKeyConfigured: z.boolean(), vapiKeyLast4: z.string().nullable() });

async function freshKey() {
  const key = `sk-live-${crypto.randomUUID()}`;
  await admin.registerOrg({ privateKey: key, assistants: 2 });
  return key;
}

describe("settings", () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logged.push(args.map(String).join(" "));
      });
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it("round-trips a key: verified, stored encrypted, shown only by its last four characters", async () => {
    const sub = uid();
    const t = await token(sub);
    const key = await freshKey();
    const seen: string[] = [];
    const req = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const res = await call(path, { ...init, token: t });
      seen.push(JSON.stringify([...res.headers]), await res.clone().text());
      return res;
    };

    expect(Settings.parse(await (await req("/api/settings")).json())).toEqual({ vapiKeyConfigured: false, vapiKeyLast4: null });
    expect((await req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: key } })).status).toBe(204);
    expect(Settings.parse(await (await req("/api/settings")).json())).toEqual({ vapiKeyConfigured: true, vapiKeyLast4: key.slice(-4) });
    expect((await req("/api/assistants")).status).toBe(200);

    const row = await env.DB.prepare("SELECT * FROM user_settings WHERE user_id = ?").bind(sub).first();
    expect(row).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(JSON.stringify(row)).not.toContain(key.slice(0, 12));

    expect(seen.join("\n")).not.toContain(key);
    expect(logged.join("\n")).not.toContain(key);
  });

  it("refuses a key Vapi rejects and stores nothing", async () => {
    const sub = uid();
    const t = await token(sub);
    const res = await call("/api/settings/vapi-key", { method: "PUT", token: t, json: { privateKey: "sk-unknown-to-vapi-123" } });
    expect(res.status).toBe(424);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("vapi_key_rejected");
    const row = await env.DB.prepare("SELECT 1 FROM user_settings WHERE user_id = ?").bind(sub).first();
    expect(row).toBeNull();
  });

  it.each([
    ["no privateKey", { key: "x" }],
    ["a key that is not a string", { privateKey: 12345678 }],
    ["a key with spaces", { privateKey: "sk live key with spaces" }],
  ])("answers 400 for a body with %s", async (_what, body) => {
    const res = await call("/api/settings/vapi-key", { method: "PUT", token: await token(uid()), json: body });
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("invalid_request");
  });

  it("answers 415 for a body that is not JSON, and 400 for broken JSON", async () => {
    const t = await token(uid());
    const text = await call("/api/settings/vapi-key", { method: "PUT", token: t, body: "privateKey=x", headers: { "Content-Type": "text/plain" } });
    expect(text.status).toBe(415);
    const broken = await call("/api/settings/vapi-key", { method: "PUT", token: t, body: "{", headers: { "Content-Type": "application/json" } });
    expect(broken.status).toBe(400);
    expect(ErrorBody.parse(await broken.json()).error.code).toBe("invalid_json");
  });

  it("deleting the key drops it and the user's cache", async () => {
    const user = await newUser({ assistants: 3 });
    expect((await user.req("/api/assistants")).status).toBe(200);
    await d1Settled(user.sub);
    const cachedRows = await env.DB.prepare("SELECT COUNT(*) AS n FROM assistants_cache WHERE user_id = ?").bind(user.sub).first<{ n: number }>();
    expect(cachedRows?.n).toBe(3);

    expect((await user.req("/api/settings/vapi-key", { method: "DELETE" })).status).toBe(204);
    expect(Settings.parse(await (await user.req("/api/settings")).json()).vapiKeyConfigured).toBe(false);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM assistants_cache WHERE user_id = ?").bind(user.sub).first<{ n: number }>();
    expect(after?.n).toBe(0);

    const list = await user.req("/api/assistants");
    expect(list.status).toBe(424);
    expect(ErrorBody.parse(await list.json()).error.code).toBe("vapi_key_not_configured");
  });
});
