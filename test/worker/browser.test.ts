import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/index";
import { call, ErrorBody, newUser, token, uid } from "./helpers";

const DASHBOARD = "https://dashboard.example";

/** Calls the app as a deployment with CORS_ORIGINS set would run. */
async function callWith(corsOrigins: string, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`http://cache.test${path}`, init), { ...env, CORS_ORIGINS: corsOrigins }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const preflight = (origin: string) => ({
  method: "OPTIONS",
  headers: { Origin: origin, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization, content-type" },
});

describe("CORS (CORS_ORIGINS)", () => {
  it("answers a preflight from an allowed origin without a token", async () => {
    const res = await callWith(`${DASHBOARD}, https://other.example`, "/api/assistants", preflight(DASHBOARD));
    expect(res.status).toBe(204);
    expect(res.headers.get("Access-Control-Allow-Origin")).toBe(DASHBOARD);
    expect(res.headers.get("Access-Control-Allow-Methods")).toContain("PATCH");
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    // The SDK sends X-Client-Id with every write (own writes in the change feed).
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("x-client-id");
    // …and an Idempotency-Key, so it can retry a write whose answer was lost.
    expect(res.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("idempotency-key");
    expect(res.headers.get("Access-Control-Allow-Credentials")).toBeNull();
  });

  it("lets the dashboard read answers and errors, and the cache headers", async () => {
    const t = await token(uid());
    const ok = await callWith(DASHBOARD, "/api/settings", { headers: { Origin: DASHBOARD, Authorization: `Bearer ${t}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(DASHBOARD);
    expect(ok.headers.get("Vary")).toContain("Origin");
    expect(ok.headers.get("Access-Control-Expose-Headers")).toContain("Cache-Status");
    expect(ok.headers.get("Access-Control-Expose-Headers")).toContain("Idempotent-Replayed");
    const denied = await callWith(DASHBOARD, "/api/settings", { headers: { Origin: DASHBOARD } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("Access-Control-Allow-Origin")).toBe(DASHBOARD);
  });

  it("grants nothing to other origins, to anyone when CORS_ORIGINS is empty, and never '*'", async () => {
    for (const [origins, from] of [[DASHBOARD, "https://evil.example"], ["", DASHBOARD], ["*", DASHBOARD], ["*", "*"]] as const) {
      const res = await callWith(origins, "/api/assistants", preflight(from));
      expect(res.headers.get("Access-Control-Allow-Origin")).toBeNull();
    }
  });
});

describe("security headers", () => {
  it("every answer says nosniff and forbids running or framing JSON", async () => {
    const user = await newUser();
    for (const res of [await call("/healthz"), await call("/nope"), await call("/api/settings"), await user.req("/api/assistants")]) {
      expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(res.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
  });

  it("settings answers are never stored by a cache", async () => {
    const user = await newUser();
    expect((await user.req("/api/settings")).headers.get("Cache-Control")).toBe("no-store");
    const put = await user.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: user.key } });
    expect([put.status, put.headers.get("Cache-Control")]).toEqual([204, "no-store"]);
  });
});

describe("/docs", () => {
  it("serves Swagger UI from this origin under a strict CSP: no CDN, no inline script", async () => {
    const page = await call("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/init.js"]);
    expect(html).not.toMatch(/<script>/);
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*(unsafe|https?:)/);
    expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("serves the pinned swagger-ui-dist files, and nothing else from the package", async () => {
    const bundle = await call("/docs/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toContain("javascript");
    expect(await bundle.text()).toContain("SwaggerUIBundle");
    expect((await call("/docs/swagger-ui.css")).headers.get("Content-Type")).toContain("text/css");
    expect(await (await call("/docs/init.js")).text()).toContain('url: "/openapi.json"');
    for (const path of ["/docs/package.json", "/docs/index.html", "/swagger-ui-bundle.js", "/docs/..%2Fpackage.json"]) {
      expect((await call(path)).status).toBe(404);
    }
  });
});

describe("/app, the dashboard page", () => {
  it("serves the page, its script and stylesheet from this origin under its own CSP: no inline script, the API and its socket only", async () => {
    const page = await call("/app");
    expect(page.status).toBe(200);
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(sources).toEqual(["/app/app.css", "/app/app.js"]);
    expect(html).not.toMatch(/<script>|style=/);
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://cache.test");
    expect(csp).not.toMatch(/unsafe|https?:/);
    expect(page.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const script = await call("/app/app.js");
    expect([script.status, script.headers.get("Content-Type")]).toEqual([200, expect.stringContaining("javascript")]);
    expect((await call("/app/app.css")).headers.get("Content-Type")).toContain("text/css");
  });

  it("serves nothing else from the assets: not the docs' files under /app, not the page's under /docs", async () => {
    for (const path of ["/app/index.html", "/app/swagger-ui.css", "/docs/app.js", "/app.js", "/app/..%2Fdocs%2Fswagger-ui.css"]) {
      expect((await call(path)).status, path).toBe(404);
    }
  });
});

describe("405 Method Not Allowed", () => {
  it("answers a wrong method on a known path with Allow and the error envelope, changing nothing", async () => {
    const user = await newUser();
    const put = await user.req("/api/assistants", { method: "PUT", json: { name: "Nope" } });
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET, HEAD, POST");
    expect(ErrorBody.parse(await put.json()).error.code).toBe("method_not_allowed");
    const post = await user.req(`/api/assistants/${crypto.randomUUID()}`, { method: "POST", json: {} });
    expect([post.status, post.headers.get("Allow")]).toEqual([405, "GET, HEAD, PATCH, DELETE"]);
    expect((await call("/healthz", { method: "DELETE" })).headers.get("Allow")).toBe("GET, HEAD");
    expect((await user.req("/api/assistants")).status).toBe(200);
    expect(await (await user.req("/api/assistants")).json()).toMatchObject({ assistants: [] });
  });
});
