import { describe, expect, it } from "vitest";
import type { TeamApi } from "../../durable-objects/team-wire";
import { gate, until } from "./gates";
import { call, configure, newUser, OneBody, type TestUser, token, uid, vapiAssistants, withHook } from "./helpers";

// Issues 20/23: a user alone in their team does not wait for the team to record its write; a join
// waits for the turns outstanding when it arrives, so nobody joins between such a write and its record.

/** `team`'s calls, passed through; `acknowledged` (the write's report) waits for `held` when given. */
function passing(team: TeamApi, held?: ReturnType<typeof gate>, joined?: { at: number }): TeamApi {
  return {
    join: async (...args) => {
      await team.join(...args);
      if (joined) joined.at = order.next++;
    },
    leave: (...args) => team.leave(...args),
    turn: (...args) => team.turn(...args),
    release: (...args) => team.release(...args),
    acknowledged: async (...args) => {
      await held?.wait();
      return team.acknowledged(...args);
    },
  };
}
const order = { next: 0 };

/** A with one assistant, its id and ETag, and A's next write's report to the team held. */
async function soloWriterHeld() {
  const a = await newUser({ assistants: 1 });
  const [first] = await vapiAssistants(a.key);
  const id = first!.id;
  const tag = (await a.req(`/api/assistants/${id}`)).headers.get("ETag")!;
  const held = gate();
  await withHook(a.sub, (hook) => hook.interceptTeam((team) => passing(team, held)));
  return { a, id, tag, held };
}

/** A user who will save `key`; their coordinator's calls to the team are watched before the key is saved. */
async function joiner(key: string, joined: { at: number }) {
  const sub = uid();
  const t = await token(sub);
  const b: TestUser = { sub, token: t, key, req: (path, init = {}) => call(path, { ...init, token: t }) };
  // Its own share of the team's deadline is short: its key is saved (and answered) without waiting for the team.
  await configure(b, { teamTimeoutMs: 300 });
  await withHook(sub, (hook) => hook.interceptTeam((team) => passing(team, undefined, joined)));
  return { b, save: () => b.req("/api/settings/vapi-key", { method: "PUT", json: { privateKey: key } }) };
}

describe("a write by a user alone in their team", () => {
  it("is answered without waiting for the team to record it, which it still does", async () => {
    const { a, id, held } = await soloWriterHeld();
    const res = await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "solo" } });
    // Answered while its report is still held, and not flagged: the team was never in doubt.
    expect(res.status).toBe(200);
    expect(res.headers.get("Team-Coordination")).toBeNull();
    await held.entered();
    held.release();

    // The report reached the team: a teammate joining now is told nothing stale, and its If-Match is checked against it.
    const b = await newUser({ key: a.key });
    expect(OneBody.parse(await (await b.req(`/api/assistants/${id}`)).json()).assistant).toMatchObject({ name: "solo" });
  });

  it("holds a join that arrives before the write is recorded until it is; the joiner sees the write", async () => {
    const { a, id, tag, held } = await soloWriterHeld();
    const written = await a.req(`/api/assistants/${id}`, { method: "PATCH", json: { name: "before the join" } });
    expect(written.status).toBe(200);
    await held.entered();

    const joined = { at: -1 };
    const { b, save } = await joiner(a.key, joined);
    // B's key is saved past its (short) wait for the team; its join is still waiting for A's turn.
    expect((await save()).status).toBe(204);
    const released = order.next++;
    held.release();
    await until(() => joined.at >= 0, "B's join to complete");
    expect(joined.at).toBeGreaterThan(released);

    expect(OneBody.parse(await (await b.req(`/api/assistants/${id}`)).json()).assistant).toMatchObject({ name: "before the join" });
    const stale = await b.req(`/api/assistants/${id}`, { method: "PATCH", headers: { "If-Match": tag }, json: { name: "B's" } });
    expect(stale.status).toBe(412);
    expect((await vapiAssistants(a.key)).find((x) => x.id === id)).toMatchObject({ name: "before the join" });
  });
});
