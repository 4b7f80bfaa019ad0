import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ErrorBody, listBody, newUser, OneBody, upstreamCalls } from "./helpers";

describe("ids absent from a fresh complete list", () => {
  it("100 GETs of random ids are 404 from the cache with no Vapi call", async () => {
    const user = await newUser({ assistants: 3 });
    await user.req("/api/assistants");
    const calls = await upstreamCalls(user.key);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => user.req(`/api/assistants/${crypto.randomUUID()}`)),
    );
    expect(await upstreamCalls(user.key)).toBe(calls);
    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(res.headers.get("Cache-Status")).toBe("vapi-edge-cache; hit; detail=not-in-list");
      expect(ErrorBody.parse(await res.json()).error.code).toBe("assistant_not_found");
    }
  });

  it("an assistant this user created after the list sync is served; one deleted is 404", async () => {
    const user = await newUser({ assistants: 2 });
    const [first] = (await listBody(await user.req("/api/assistants"))).assistants;
    const created = OneBody.parse(await (await user.req("/api/assistants", { method: "POST", json: { name: "New" } })).json());
    await user.req(`/api/assistants/${first!.id}`, { method: "DELETE" });

    const got = await user.req(`/api/assistants/${created.assistant.id}`);
    expect(got.status).toBe(200);
    expect(OneBody.parse(await got.json()).assistant).toEqual(created.assistant);
    expect((await user.req(`/api/assistants/${first!.id}`)).status).toBe(404);
  });

  it("no-cache still asks Vapi: an assistant made in Vapi's dashboard after the sync is found", async () => {
    const user = await newUser({ assistants: 1 });
    await user.req("/api/assistants");
    const res = await fetch(`${env.EMULATOR_URL}/assistant`, {
      method: "POST",
      headers: { Authorization: `Bearer ${user.key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ name: "Made in Vapi" }),
    });
    const { id } = OneBody.shape.assistant.parse(await res.json());

    expect((await user.req(`/api/assistants/${id}`)).status).toBe(404); // as the fresh list says
    const revalidated = await user.req(`/api/assistants/${id}`, { headers: { "Cache-Control": "no-cache" } });
    expect(revalidated.status).toBe(200);
    expect((await user.req(`/api/assistants/${id}`)).status).toBe(200);
  });

  it("without a fresh list an unknown id still goes to Vapi (the list is what vouches)", async () => {
    const user = await newUser({ assistants: 1 });
    const calls = await upstreamCalls(user.key);
    expect((await user.req(`/api/assistants/${crypto.randomUUID()}`)).status).toBe(404);
    expect(await upstreamCalls(user.key)).toBe(calls + 1);
  });
});
