import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import { describe, expect, inject, it } from "vitest";
import app from "../../src/index";
import { MAX_SUB_CHARS } from "../../src/lib/jwt";
import { call, ErrorBody, token, uid } from "./helpers";

const secret = () => new TextEncoder().encode(env.JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);
const hs256 = () => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid());

async function refused(res: Response, message: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="vapi-edge-cache", error="invalid_token"');
  expect(ErrorBody.parse(await res.json()).error.message).toMatch(message);
}

async function callWith(vars: Partial<Env>, bearer: string) {
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request("http://cache.test/api/settings", { headers: { Authorization: `Bearer ${bearer}` } }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("token lifetime (RFC 8725)", () => {
  it("refuses a token without exp: it would never expire", async () => {
    await refused(await call("/api/settings", { token: await hs256().setIssuedAt().sign(secret()) }), /expiry \(exp\)/);
  });

  it("refuses exp: 1e308", async () => {
    await refused(await call("/api/settings", { token: await hs256().setIssuedAt().setExpirationTime(1e308).sign(secret()) }), /lives longer/);
  });

  it("refuses a token living longer than JWT_MAX_AGE_SECONDS (24 h by default), with or without iat", async () => {
    expect((await call("/api/settings", { token: await token(uid(), "24h") })).status).toBe(200);
    await refused(await call("/api/settings", { token: await token(uid(), "25h") }), /lives longer/);
    await refused(await call("/api/settings", { token: await hs256().setExpirationTime("25h").sign(secret()) }), /lives longer/);
  });

  it("follows a configured JWT_MAX_AGE_SECONDS", async () => {
    const vars = { JWT_MAX_AGE_SECONDS: "3600" };
    expect((await callWith(vars, await token(uid(), "1h"))).status).toBe(200);
    await refused(await callWith(vars, await token(uid(), "2h")), /lives longer/);
  });

  it("refuses iat in the future beyond the clock skew, allows a little skew", async () => {
    const at = (iat: number) => hs256().setIssuedAt(iat).setExpirationTime(iat + 600).sign(secret());
    await refused(await call("/api/settings", { token: await at(now() + 3600) }), /issued in the future/);
    expect((await call("/api/settings", { token: await at(now() + 10) })).status).toBe(200);
  });

  it("honours nbf", async () => {
    const t = await hs256().setIssuedAt().setNotBefore(now() + 600).setExpirationTime("1h").sign(secret());
    await refused(await call("/api/settings", { token: t }), /not valid yet/);
  });

  it(`refuses a sub longer than ${MAX_SUB_CHARS} characters (it names the user's coordinator and D1 rows), accepts ${MAX_SUB_CHARS}`, async () => {
    const withSub = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub).setIssuedAt().setExpirationTime("5m").sign(secret());
    const longest = `u-${crypto.randomUUID()}`.padEnd(MAX_SUB_CHARS, "x");
    expect((await call("/api/settings", { token: await withSub(longest) })).status).toBe(200);
    await refused(await call("/api/settings", { token: await withSub(`${longest}x`) }), /longer than 255/);
    await refused(await call("/api/settings", { token: await withSub("") }), /no subject/);
  });

  it("refuses an oversized token before verifying it", async () => {
    const t = await new SignJWT({ pad: "x".repeat(10_000) }).setProtectedHeader({ alg: "HS256" }).setSubject(uid())
      .setIssuedAt().setExpirationTime("5m").sign(secret());
    await refused(await call("/api/settings", { token: t }), /too large/);
  });
});

describe("WWW-Authenticate (RFC 6750)", () => {
  it("names no error when no bearer token was sent", async () => {
    for (const headers of [{}, { Authorization: "Basic dXNlcjpwYXNz" }] as Record<string, string>[]) {
      const res = await call("/api/settings", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="vapi-edge-cache"');
    }
  });

  it("says invalid_token when a token was sent and refused", async () => {
    await refused(await call("/api/settings", { token: "not.a.jwt" }), /malformed/);
  });
});

describe("JWKS attacks (JWT_JWKS_URL)", () => {
  const vars = () => ({ JWT_JWKS_URL: inject("jwksUrl") });
  const providerKey = () => importJWK(inject("jwksPrivateKey"), "RS256");
  const rs256 = (header: Record<string, unknown>) =>
    new SignJWT({}).setProtectedHeader({ alg: "RS256", ...header }).setSubject(uid()).setIssuedAt().setExpirationTime("5m");

  it("accepts the provider's own token", async () => {
    expect((await callWith(vars(), await rs256({ kid: "test-key" }).sign(await providerKey()))).status).toBe(200);
  });

  it("refuses an HS256 token signed with the provider's public key (algorithm confusion)", async () => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = inject("jwksPrivateKey") as JWK;
    const pem = await exportSPKI(await importJWK(pub, "RS256", { extractable: true }) as CryptoKey);
    for (const material of [pem, JSON.stringify(pub)]) {
      const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "test-key" }).setSubject(uid())
        .setIssuedAt().setExpirationTime("5m").sign(new TextEncoder().encode(material));
      await refused(await callWith(vars(), t), /algorithm/);
    }
  });

  it("refuses kid tricks: unknown or path-like kids, and a key embedded in the header", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const own = { ...(await import("jose").then((j) => j.exportJWK(publicKey))), kid: "test-key" };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ kid: "test-key" }, /signature/],
      [{ kid: "../../../etc/passwd" }, /unknown key/],
      [{ kid: "' OR 1=1 --" }, /unknown key/],
      [{ kid: "test-key", jwk: own }, /signature/],
      [{ kid: "test-key", jku: "https://attacker.example/jwks.json" }, /signature/],
    ];
    for (const [header, message] of cases) await refused(await callWith(vars(), await rs256(header).sign(privateKey)), message);
  });
});
