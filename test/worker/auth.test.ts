import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { importJWK, SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, inject, it } from "vitest";
import app from "../../src/app";
import { call, ErrorBody, token, uid } from "./helpers";
import { conforms } from "./openapi-conformance";

const secret = () => new TextEncoder().encode(env.JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

async function expect401(res: Response, message: RegExp) {
  expect(res.status).toBe(401);
  expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
  const body = ErrorBody.parse(await res.json());
  expect(body.error.code).toBe("unauthorized");
  expect(body.error.message).toMatch(message);
}

/** Calls the app with some settings changed, as a deployment with those vars would run. */
async function callWith(vars: Partial<Env>, path: string, bearer: string) {
  const ctx = createExecutionContext();
  const req = new Request(`http://cache.test${path}`, { headers: { Authorization: `Bearer ${bearer}` } });
  const res = await app.fetch(req.clone(), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return conforms(req, res);
}

describe("HS256 tokens (JWT_SECRET)", () => {
  it("accepts a valid token and provisions the user", async () => {
    const sub = uid();
    const res = await call("/api/settings", { token: await token(sub) });
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(sub).first();
    expect(row).toEqual({ id: sub });
  });

  it("refuses a request without a token", async () => {
    await expect401(await call("/api/settings"), /Authorization: Bearer/);
  });

  it("refuses an Authorization header that is not Bearer", async () => {
    await expect401(await call("/api/settings", { headers: { Authorization: "Basic abc" } }), /Bearer <token>/);
  });

  it("refuses a malformed token", async () => {
    await expect401(await call("/api/settings", { token: "not.a.jwt" }), /malformed/);
  });

  it("refuses an expired token", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid())
      .setExpirationTime(now() - 120).sign(secret());
    await expect401(await call("/api/settings", { token: t }), /expired/);
  });

  it("allows a little clock skew", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid())
      .setExpirationTime(now() - 5).sign(secret());
    expect((await call("/api/settings", { token: t })).status).toBe(200);
  });

  it("refuses a token that is not valid yet", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid())
      .setNotBefore(now() + 600).setExpirationTime("1h").sign(secret());
    await expect401(await call("/api/settings", { token: t }), /not valid yet/);
  });

  it("refuses a bad signature", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid())
      .sign(new TextEncoder().encode("some-other-secret-of-enough-length!!"));
    await expect401(await call("/api/settings", { token: t }), /signature/);
  });

  it("refuses alg: none", async () => {
    const t = new UnsecuredJWT({}).setSubject(uid()).encode();
    await expect401(await call("/api/settings", { token: t }), /algorithm|malformed/);
  });

  it("refuses a token without sub", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(secret());
    await expect401(await call("/api/settings", { token: t }), /subject/);
  });

  it("checks issuer and audience when configured", async () => {
    const vars = { JWT_ISSUER: "https://id.example", JWT_AUDIENCE: "vapi-edge-cache" };
    const sign = (iss: string, aud: string) =>
      new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(uid()).setIssuer(iss).setAudience(aud)
        .setExpirationTime("5m").sign(secret());
    expect((await callWith(vars, "/api/settings", await sign(vars.JWT_ISSUER, vars.JWT_AUDIENCE))).status).toBe(200);
    await expect401(await callWith(vars, "/api/settings", await sign("https://evil.example", vars.JWT_AUDIENCE)), /"iss"/);
    await expect401(await callWith(vars, "/api/settings", await sign(vars.JWT_ISSUER, "another-app")), /"aud"/);
  });
});

describe("JWKS tokens (JWT_JWKS_URL)", () => {
  const vars = () => ({ JWT_JWKS_URL: inject("jwksUrl") });
  const rsaKey = () => importJWK(inject("jwksPrivateKey"), "RS256");

  it("accepts an RS256 token signed by a key in the set", async () => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "test-key" }).setSubject(uid())
      .setExpirationTime("5m").sign(await rsaKey());
    expect((await callWith(vars(), "/api/settings", t)).status).toBe(200);
  });

  it("refuses an HS256 token when JWKS is configured (no algorithm confusion)", async () => {
    await expect401(await callWith(vars(), "/api/settings", await token(uid())), /algorithm/);
  });
});
