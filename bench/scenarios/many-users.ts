// Many users at once: random users, 95% reads (list or one), 5% PATCH name, from a cold start.
// Measures throughput and how much of the traffic still reaches Vapi.
import type { RequestParams } from "autocannon";
import { auth, type BenchUser, pool } from "../lib/api.ts";
import { load } from "../lib/load.ts";
import type { Ctx, ManyUsersResult } from "../lib/types.ts";

const WRITE_SHARE = 0.05;
export const MANY_USERS_CONNECTIONS = 50;

export async function manyUsers(
  ctx: Ctx,
  users: BenchUser[],
  assistantsPerUser: number,
  seconds: number,
): Promise<ManyUsersResult> {
  const ids = await pool(users, 20, async (u) => (await ctx.emulator.assistants(u.key)).map((a) => a.id));
  const touched = new Set<number>();
  let writesSent = 0;
  const pick = <T>(items: readonly T[]): [T, number] => {
    const i = Math.floor(Math.random() * items.length);
    return [items[i] as T, i];
  };
  // autocannon uses what setupRequest returns as the whole request (host and port included).
  const next = (req: RequestParams): RequestParams => {
    const [user, u] = pick(users);
    const [id] = pick(ids[u] ?? []);
    touched.add(u);
    const headers = auth(user.token);
    const roll = Math.random();
    if (roll < WRITE_SHARE) {
      writesSent++;
      return {
        ...req,
        method: "PATCH",
        path: `/api/assistants/${id}`,
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ name: `Many ${writesSent}` }),
      };
    }
    const list = roll < WRITE_SHARE + (1 - WRITE_SHARE) / 2;
    return { ...req, method: "GET", path: list ? "/api/assistants" : `/api/assistants/${id}`, headers };
  };

  const before = await ctx.emulator.counters();
  // No warm-up: the cold start (one list read per user) is part of what this scenario measures.
  const r = await load(
    { url: ctx.base, requests: [{ setupRequest: next }] },
    { connections: MANY_USERS_CONNECTIONS, seconds, warmupSeconds: 0 },
  );
  if (r.count === 0) throw new Error(`many users: no request succeeded (${JSON.stringify(r.statuses)})`);
  const after = await ctx.emulator.counters();
  const delta = (route: keyof typeof after.byRoute) => after.byRoute[route] - before.byRoute[route];
  const requests = r.count + r.failed;
  const total = after.total - before.total;
  const { samples: _samples, seconds: _seconds, ...figures } = r;
  return {
    ...figures,
    users: touched.size,
    assistantsPerUser,
    connections: MANY_USERS_CONNECTIONS,
    requests,
    upstream: {
      total,
      listReads: delta("GET /assistant"),
      oneReads: delta("GET /assistant/:id"),
      writes: delta("PATCH /assistant/:id"),
      perThousand: requests ? (total / requests) * 1000 : 0,
    },
  };
}
