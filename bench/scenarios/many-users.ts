// Many users at once: random users, 95% reads (list or one), 5% PATCH name, from a cold start.
// Measures throughput and how much of the traffic still reaches Vapi.
import { type BenchUser, pool } from "../lib/api.ts";
import { load } from "../lib/load.ts";
import { mixedRequests } from "../lib/mix.ts";
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
  const spec = mixedRequests(
    users.map((u, i) => ({ token: u.token, ids: ids[i] ?? [] })),
    { writeShare: WRITE_SHARE, patchBody: (_user, _id, n) => JSON.stringify({ name: `Many ${n}` }) },
  );
  const touched = new Set<unknown>();
  const requests = [{ ...spec, onResponse: (_s: number, _b: string, context: Record<string, unknown>) => touched.add(context.user) }];

  const before = await ctx.emulator.counters();
  // No warm-up: the cold start (one list read per user) is part of what this scenario measures.
  const r = await load(
    { url: ctx.base, requests },
    { connections: MANY_USERS_CONNECTIONS, seconds, warmupSeconds: 0 },
  );
  if (r.count === 0) throw new Error(`many users: no request succeeded (${JSON.stringify(r.statuses)})`);
  const after = await ctx.emulator.counters();
  const delta = (route: keyof typeof after.byRoute) => after.byRoute[route] - before.byRoute[route];
  const sent = r.count + r.failed;
  const total = after.total - before.total;
  const { samples: _samples, seconds: _seconds, errors: _errors, ...figures } = r;
  return {
    ...figures,
    users: touched.size,
    assistantsPerUser,
    connections: MANY_USERS_CONNECTIONS,
    requests: sent,
    upstream: {
      total,
      listReads: delta("GET /assistant"),
      oneReads: delta("GET /assistant/:id"),
      writes: delta("PATCH /assistant/:id"),
      perThousand: sent ? (total / sent) * 1000 : 0,
    },
  };
}
