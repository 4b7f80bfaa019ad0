import { describe, expect, it } from "vitest";
import { z } from "zod";
import { call } from "./helpers";
import { conforms } from "./openapi-conformance";

const Operation = z.object({
  operationId: z.string(),
  parameters: z.array(z.object({ name: z.string(), schema: z.object({ pattern: z.string().optional() }) })).optional(),
});
const Doc = z.object({ paths: z.record(z.string(), z.record(z.string(), Operation)) });

async function document() {
  return Doc.parse(await (await call("/openapi.json")).json());
}

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("the OpenAPI document", () => {
  it("names every operation as the SDK does", async () => {
    const ids = Object.values((await document()).paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.sort()).toEqual(
      [
        "listAssistants", "getAssistant", "createAssistant", "updateAssistant", "deleteAssistant", "assistantEvents", "events",
        ...["PhoneNumber", "Tool", "Squad"].flatMap((n) => [`list${n}s`, `get${n}`, `create${n}`, `update${n}`, `delete${n}`]),
        "getSettings", "setVapiKey", "deleteVapiKey", "getCacheStats", "getHealth",
      ].sort(),
    );
  });

  // Regression: the id pattern was published with the JavaScript flag in it (`…$/i`), so every
  // client or gateway validating against the document refused every real id.
  it("publishes an id pattern that JSON Schema tools accept for real ids in either case", async () => {
    const op = (await document()).paths["/api/assistants/{id}"]!.get!;
    const pattern = op.parameters?.find((p) => p.name === "id")?.schema.pattern;
    expect(pattern).toBeDefined();
    const id = crypto.randomUUID();
    expect(new RegExp(pattern!, "u").test(id)).toBe(true);
    expect(new RegExp(pattern!, "u").test(id.toUpperCase())).toBe(true);
    expect(new RegExp(pattern!, "u").test("../assistant")).toBe(false);
  });

  // Issue 24: every route's errors named assistants (`invalid_assistant_id`, "No such assistant").
  it("describes each resource's 400, 404 and 412 in its own words and codes", async () => {
    const Answers = z.object({
      paths: z.record(z.string(), z.record(z.string(), z.object({
        summary: z.string(),
        responses: z.record(z.string(), z.object({ description: z.string(), content: z.record(z.string(), z.object({ example: z.unknown().optional() })).optional() })),
      }))),
    });
    const { paths } = Answers.parse(await (await call("/openapi.json")).json());
    const patch = paths["/api/phone-numbers/{id}"]!.patch!;
    expect(patch.summary).toBe("Update a phone number with a JSON merge patch (write-through, serialized per user)");
    expect(patch.responses["400"]!.description).toContain("`invalid_phone_number_id`");
    expect(patch.responses["400"]!.description).not.toContain("assistant");
    expect(patch.responses["404"]!.description).toBe("No such phone number for this user (`phone_number_not_found`)");
    expect(patch.responses["404"]!.content!["application/json"]!.example).toEqual({
      error: { code: "phone_number_not_found", message: "No phone number with that id exists for this user." },
    });
    expect(patch.responses["412"]!.description).toMatch(/^The phone number changed/);
    expect(paths["/api/tools/{id}"]!.get!.responses["404"]!.description).toBe("No such tool for this user (`tool_not_found`)");
    expect(paths["/api/assistants/{id}"]!.get!.responses["404"]!.description).toBe("No such assistant for this user (`assistant_not_found`)");
    expect(paths["/api/settings/vapi-key"]!.put!.responses["400"]!.description).not.toContain("assistant");
  });
});

describe("the response check every Worker test goes through", () => {
  const get = (path: string) => new Request(`http://cache.test${path}`);
  const cacheHeaders = {
    "Cache-Status": "vapi-edge-cache; hit; ttl=1",
    "Server-Timing": "cache;dur=0",
    "Cache-Control": "private, no-cache",
    ETag: '"1-abc"',
  };

  it("accepts an answer as documented", async () => {
    const res = json({ assistants: [], etags: {}, cached: true }, 200, cacheHeaders);
    await expect(conforms(get("/api/assistants"), res)).resolves.toBe(res);
  });

  it("refuses a body that drifted from its schema", async () => {
    const res = json({ vapiKeyConfigured: "yes", vapiKeyLast4: null }, 200);
    await expect(conforms(get("/api/settings"), res)).rejects.toThrow(/vapiKeyConfigured/);
  });

  it("refuses a request the Worker accepted but the document's parameter schema refuses", async () => {
    const assistant = { id: "x", orgId: "o", createdAt: "t", updatedAt: "t" };
    const res = json({ assistant, cached: true }, 200, cacheHeaders);
    await expect(conforms(get("/api/assistants/not-an-id"), res)).rejects.toThrow(/accepted id=not-an-id/);
  });

  it("refuses an undeclared status, a missing declared header and an undeclared cache header", async () => {
    await expect(conforms(get("/api/settings"), json({}, 418))).rejects.toThrow(/418 is not declared/);
    const { "Server-Timing": _, ...withoutTiming } = cacheHeaders;
    const noTiming = json({ assistants: [], etags: {}, cached: true }, 200, withoutTiming);
    await expect(conforms(get("/api/assistants"), noTiming)).rejects.toThrow(/Server-Timing is required/);
    const extra = json({ vapiKeyConfigured: false, vapiKeyLast4: null }, 200, cacheHeaders);
    await expect(conforms(get("/api/settings"), extra)).rejects.toThrow(/Cache-Status is sent but not declared/);
  });
});
