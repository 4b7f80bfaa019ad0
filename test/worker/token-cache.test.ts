import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import app from "../../src/index";
import { call, ErrorBody, newUser, uid } from "./helpers";

// An isolate remembers the tokens it verified (src/lib/token-cache.ts): a remembered token must
// never outlive its `exp`, nor answer for any other token, nor survive a change of the policy.

const Settings = z.object({ vapiKeyConfigured: z.boolean(), vapiKeyLast4: z.string().nullable() });
const now = () => Math.floor(Date.now() / 1000);
const sign = (sub: string, exp: number, secret = env.JWT_SECRET) =>
  new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

async function refused(res: Response, message: RegExp) {
  expect(res.status).toBe(401);
  expect(ErrorBody.parse(await res.json()).error.message).toMatch(message);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("verified tokens remembered per isolate", () => {
  it("refuses an expired token even after it was accepted (and remembered) while valid", async () => {
    const t = await sign(uid(), now() + 60);
    expect((await call("/api/settings", { token: t })).status).toBe(200);
    expect((await call("/api/settings", { token: t })).status).toBe(200);
    // Past `exp` and past the clock tolerance (30 s): verification would refuse it, and so must the cache.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime((now() + 120) * 1000);
    await refused(await call("/api/settings", { token: t }), /expired/);
  });

  it("answers each token as its own user, never from another token's entry", async () => {
    const owner = await newUser(); // its token is verified and remembered by storing its key
    const own = Settings.parse(await (await owner.req("/api/settings")).json());
    expect(own.vapiKeyConfigured).toBe(true);
    const stranger = await sign(uid(), now() + 600);
    expect(Settings.parse(await (await call("/api/settings", { token: stranger })).json()).vapiKeyConfigured).toBe(false);
    // The owner's claims signed with another secret, and the owner's token with its signature altered.
    await refused(await call("/api/settings", { token: await sign(owner.sub, now() + 600, "another-secret-long-enough-for-hs256") }), /signature/);
    const [head, body, sig = ""] = owner.token.split(".");
    const altered = `${head}.${body}.${sig.slice(0, 5)}${sig[5] === "A" ? "B" : "A"}${sig.slice(6)}`;
    await refused(await call("/api/settings", { token: altered }), /signature/);
  });

  it("verifies a remembered token again when the policy changes (JWT_MAX_AGE_SECONDS)", async () => {
    const t = await sign(uid(), now() + 7200);
    expect((await call("/api/settings", { token: t })).status).toBe(200);
    const ctx = createExecutionContext();
    const req = new Request("http://cache.test/api/settings", { headers: { Authorization: `Bearer ${t}` } });
    const res = await app.fetch(req, { ...env, JWT_MAX_AGE_SECONDS: "3600" }, ctx);
    await waitOnExecutionContext(ctx);
    await refused(res, /lives longer/);
  });
});
