import { describe, expect, it } from "vitest";
import { z } from "zod";
import { holdNextVapiAnswer, until } from "./gates";
import { newUser, type TestUser, upstreamCalls, vapiAssistants, withHook } from "./helpers";

// Issue 20, item 2: a teammate's write to the same assistant waits its turn, and its If-Match and
// merge-patch base are checked against the newest version anyone in the team has written or seen.

async function team(): Promise<{ a: TestUser; b: TestUser; id: string }> {
  const a = await newUser({ assistants: 1 });
  const b = await newUser({ key: a.key });
  const [first] = await vapiAssistants(a.key);
  return { a, b, id: first!.id };
}

/** Teammates' changes stop reaching `sub`'s coordinator (as if their delivery were lost). */
const dropTeamChanges = (sub: string) => withHook(sub, (hook) => hook.interceptTeamChanges(() => async () => undefined));

const Model = z.looseObject({ temperature: z.number().optional(), messages: z.array(z.unknown()).optional() });
const modelOf = async (key: string, id: string) => Model.parse((await vapiAssistants(key)).find((x) => x.id === id)!.model);

describe("team write turns", () => {
  it("merges onto the version a teammate wrote even when that teammate's change never reached this copy", async () => {
    const { a, b, id } = await team();
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    await dropTeamChanges(b.sub);
    const messages = [{ role: "system", content: "A's prompt" }];
    expect((await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { messages } } })).status).toBe(200);

    // B's copy is fresh but older than what the team knows: B reads the base again before merging.
    expect((await b.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { temperature: 0.7 } } })).status).toBe(200);
    expect(await modelOf(a.key, id)).toMatchObject({ messages, temperature: 0.7 });
  });

  it("refuses an If-Match naming a version a teammate replaced, even when the change never reached this copy", async () => {
    const { a, b, id } = await team();
    const tag = (await b.req(`/api/assistants/${id}`)).headers.get("ETag")!;
    await dropTeamChanges(b.sub);
    expect((await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "A's" } })).status).toBe(200);

    const refused = await b.req(`/api/assistants/${id}`, { method: "DELETE", headers: { "If-Match": tag } });
    expect(refused.status).toBe(412);
    expect((await vapiAssistants(a.key)).map((x) => x.id)).toContain(id);
  });

  it("holds a teammate's write to the same assistant until the one before it is acknowledged and known", async () => {
    const { a, b, id } = await team();
    // Both hold the assistant: neither write needs a read from Vapi first.
    expect((await a.req(`/api/assistants/${id}`)).status).toBe(200);
    expect((await b.req(`/api/assistants/${id}`)).status).toBe(200);
    const messages = [{ role: "system", content: "A's prompt" }];
    // A's PATCH has reached Vapi; its answer is held on the way back, so A still holds the turn.
    const held = await holdNextVapiAnswer(a.sub, "update");
    const first = a.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { messages } } });
    await held.answered();

    // B's write asks for its turn (or, were there no turns, goes straight to Vapi).
    const asked = { turn: false };
    await withHook(b.sub, (hook) =>
      hook.interceptTeam((team) => ({
        ...team,
        join: (...args) => team.join(...args),
        leave: (...args) => team.leave(...args),
        release: (...args) => team.release(...args),
        acknowledged: (...args) => team.acknowledged(...args),
        turn: (...args) => ((asked.turn = true), team.turn(...args)),
      })),
    );
    const callsBefore = await upstreamCalls(a.key);
    const second = b.req(`/api/assistants/${id}`, { method: "PATCH", json: { model: { temperature: 0.2 } } });
    await until(async () => asked.turn || (await upstreamCalls(a.key)) > callsBefore, "B's write to wait or to reach Vapi");
    held.release();

    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(await modelOf(a.key, id)).toMatchObject({ messages, temperature: 0.2 });
  });
});
