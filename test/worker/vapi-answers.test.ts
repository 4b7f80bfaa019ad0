import { afterEach, describe, expect, it, vi } from "vitest";
import { assistants } from "../../core/resources/assistants";
import { ResourceClient } from "../../src/vapi/client";

const client = new ResourceClient(assistants, { baseUrl: "https://vapi.invalid", privateKey: "k", timeoutMs: 1000 });
const answer = (body: unknown) => vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json(body));
const assistant = (over: Record<string, unknown> = {}) => ({
  id: crypto.randomUUID(),
  orgId: "org",
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-02T00:00:00.000Z",
  name: "Sales",
  model: { provider: "openai", messages: [{ role: "system", content: "Be brief." }] },
  ...over,
});

afterEach(() => vi.restoreAllMocks());

describe("Vapi's answers are checked on the fields the cache relies on", () => {
  it("passes everything else through as Vapi sent it, in either list form", async () => {
    const items = [assistant(), assistant({ futureField: { nested: [1, null, "x"] } })];
    answer(items);
    expect(await client.listPage(10)).toEqual(items);
    answer({ results: items, metadata: { page: 1 } });
    expect(await client.listPage(10)).toEqual(items);
  });

  it.each([
    ["an item without updatedAt", [assistant({ updatedAt: undefined })]],
    ["an item whose id is a number", [assistant({ id: 7 })]],
    ["an item that is not an object", [assistant(), "x"]],
    ["neither an array nor { results }", { assistants: [assistant()] }],
  ])("a list with %s is a 502 vapi_error, not a crash", async (_what, body) => {
    answer(body);
    await expect(client.listPage(10)).rejects.toMatchObject({ status: 502, code: "vapi_error" });
  });

  it("one assistant without orgId is a 502 vapi_error", async () => {
    answer(assistant({ orgId: undefined }));
    await expect(client.get(crypto.randomUUID())).rejects.toMatchObject({ status: 502, code: "vapi_error" });
  });
});
