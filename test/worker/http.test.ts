import { describe, expect, it } from "vitest";
import { z } from "zod";
import { call, ErrorBody, newUser } from "./helpers";

describe("HTTP surface", () => {
  it("GET /healthz needs no auth", async () => {
    const res = await call("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("GET /openapi.json describes every route, generated from the zod schemas", async () => {
    const doc = z.object({ openapi: z.string(), paths: z.record(z.string(), z.record(z.string(), z.unknown())) })
      .parse(await (await call("/openapi.json")).json());
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/assistants",
      "/api/assistants/events",
      "/api/assistants/{id}",
      "/api/cache/stats",
      "/api/events",
      "/api/phone-numbers",
      "/api/phone-numbers/{id}",
      "/api/settings",
      "/api/settings/vapi-key",
      "/api/squads",
      "/api/squads/{id}",
      "/api/tools",
      "/api/tools/{id}",
      "/healthz",
    ]);
    expect(Object.keys(doc.paths["/api/assistants/{id}"]!).sort()).toEqual(["delete", "get", "patch"]);
  });

  it("GET /docs serves Swagger UI", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("swagger");
  });

  it("unknown routes get the error envelope", async () => {
    const res = await call("/nope");
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("not_found");
  });

  it("bad bodies get a clear JSON error and change nothing", async () => {
    const user = await newUser();
    const cases: [RequestInit, number, string][] = [
      [{ body: "{}", headers: { "Content-Type": "text/plain" } }, 415, "unsupported_media_type"],
      [{ body: "{", headers: { "Content-Type": "application/json" } }, 400, "invalid_json"],
      [{ body: "[1,2]", headers: { "Content-Type": "application/json" } }, 400, "invalid_request"],
      [{ body: JSON.stringify({ name: "x".repeat(300_000) }), headers: { "Content-Type": "application/json" } }, 413, "payload_too_large"],
    ];
    for (const [init, status, code] of cases) {
      const res = await user.req("/api/assistants", { method: "POST", ...init });
      expect([res.status, ErrorBody.parse(await res.json()).error.code]).toEqual([status, code]);
    }
    const list = z.object({ assistants: z.array(z.unknown()) }).parse(await (await user.req("/api/assistants")).json());
    expect(list.assistants).toEqual([]);
  });
});
