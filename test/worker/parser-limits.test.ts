import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, MAX_JSON_KEYS } from "../../src/lib/json-limits";
import { ErrorBody, listBody, newUser, OneBody, snapshot, type TestUser } from "./helpers";

/** Sends `text` as a raw JSON body (the helpers' `json` option would re-serialize it). */
const send = (user: TestUser, method: string, path: string, text: string) =>
  user.req(path, { method, body: text, headers: { "Content-Type": "application/json" } });

const nested = (levels: number, leaf = "1") => `${'{"a":'.repeat(levels)}${leaf}${"}".repeat(levels)}`;

async function expectRefused(res: Response, code: string) {
  expect(res.status).toBe(400);
  expect(ErrorBody.parse(await res.json()).error.code).toBe(code);
}

/** A user with two cached assistants, and what Vapi and D1 hold for them. */
async function setUp() {
  const user = await newUser({ assistants: 2 });
  const [first] = (await listBody(await user.req("/api/assistants"))).assistants;
  return { user, id: first!.id, before: await snapshot(user) };
}

describe("parser limits: hostile JSON is a 400 that changes nothing", () => {
  it("a body nested 3,000 levels is json_too_deep, not a 500 (POST, PATCH, PUT vapi-key)", async () => {
    const { user, id, before } = await setUp();
    const deep = `{"name":"deep","metadata":${nested(3000)}}`;
    await expectRefused(await send(user, "POST", "/api/assistants", deep), "json_too_deep");
    await expectRefused(await send(user, "PATCH", `/api/assistants/${id}`, deep), "json_too_deep");
    await expectRefused(await send(user, "PUT", "/api/settings/vapi-key", deep), "json_too_deep");
    await expectRefused(await send(user, "POST", "/api/assistants", "[".repeat(100_000)), "json_too_deep");
    expect(await snapshot(user)).toEqual(before);
  });

  it(`accepts nesting up to ${MAX_JSON_DEPTH} levels; brackets inside strings do not count`, async () => {
    const { user } = await setUp();
    const body = `{"name":"${"[{".repeat(15)}","metadata":${nested(MAX_JSON_DEPTH - 1)}}`;
    const res = await send(user, "POST", "/api/assistants", body);
    expect(res.status).toBe(201);
    expect(OneBody.parse(await res.json()).assistant.name).toBe("[{".repeat(15));
    const tooDeep = `{"metadata":${nested(MAX_JSON_DEPTH)}}`;
    await expectRefused(await send(user, "POST", "/api/assistants", tooDeep), "json_too_deep");
  });

  it("an escaped quote inside a string does not end it: brackets after it are text, not depth", async () => {
    const { user } = await setUp();
    // The JSON text "a\"[[[…": a scan that missed the escape would leave the string at \" and count 70 levels.
    const note = `a"${"[".repeat(70)}`;
    const res = await send(user, "POST", "/api/assistants", `{"name":"escaped","metadata":{"note":${JSON.stringify(note)}}}`);
    expect(res.status).toBe(201);
    expect(OneBody.parse(await res.json()).assistant.metadata).toMatchObject({ note });
  });

  it("an escaped backslash before a closing quote cannot hide real nesting inside a string", async () => {
    const { user, before } = await setUp();
    // "x\\" ends after the escaped backslash; a scan that took \" for an escaped quote would stay in
    // the string and miss the 70 levels after it.
    const hidden = `{"name":"hidden","metadata":{"a":"x\\\\","b":${nested(70)}}}`;
    expect(JSON.parse(hidden)).toMatchObject({ metadata: { a: "x\\" } });
    await expectRefused(await send(user, "POST", "/api/assistants", hidden), "json_too_deep");
    expect(await snapshot(user)).toEqual(before);
  });

  it("PATCH {\"name\":-1e400} is invalid_number and does not remove the name in Vapi", async () => {
    const { user, id, before } = await setUp();
    await expectRefused(await send(user, "PATCH", `/api/assistants/${id}`, '{"name":-1e400}'), "invalid_number");
    await expectRefused(await send(user, "POST", "/api/assistants", '{"metadata":{"x":[1e999]}}'), "invalid_number");
    const after = await snapshot(user);
    expect(after).toEqual(before);
    expect(after.assistants.find((a) => a.id === id)?.name).toBeTypeOf("string");
  });

  it("__proto__, constructor and prototype keys are refused at any depth and never reach a prototype", async () => {
    const { user, id, before } = await setUp();
    const bodies = [
      '{"__proto__":{"polluted":true}}',
      '{"model":{"__proto__":{"polluted":true}}}',
      '{"metadata":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"name":"x","tools":[{"prototype":1}]}',
    ];
    for (const body of bodies) {
      await expectRefused(await send(user, "PATCH", `/api/assistants/${id}`, body), "forbidden_key");
      await expectRefused(await send(user, "POST", "/api/assistants", body), "forbidden_key");
    }
    expect(Object.prototype).not.toHaveProperty("polluted");
    expect(await snapshot(user)).toEqual(before);
  });

  it(`more than ${MAX_JSON_KEYS} keys is json_too_many_keys`, async () => {
    const { user, id, before } = await setUp();
    const many = Object.fromEntries(Array.from({ length: MAX_JSON_KEYS + 1 }, (_, i) => [`k${i}`, 0]));
    const body = JSON.stringify({ metadata: many });
    await expectRefused(await send(user, "PATCH", `/api/assistants/${id}`, body), "json_too_many_keys");
    expect(await snapshot(user)).toEqual(before);
  });

  it("a route that takes no body answers as it would without one (404, 405), whatever the body", async () => {
    const { user, id, before } = await setUp();
    const unknown = await send(user, "POST", "/api/nothing-here", nested(3000));
    expect(unknown.status).toBe(404);
    expect(ErrorBody.parse(await unknown.json()).error.code).toBe("not_found");
    expect((await send(user, "PUT", `/api/assistants/${id}`, nested(3000))).status).toBe(405);
    expect(await snapshot(user)).toEqual(before);
  });

  it("malformed and empty bodies stay invalid_json", async () => {
    const { user, before } = await setUp();
    await expectRefused(await send(user, "POST", "/api/assistants", '{"name":'), "invalid_json");
    await expectRefused(await send(user, "POST", "/api/assistants", ""), "invalid_json");
    expect(await snapshot(user)).toEqual(before);
  });
});
