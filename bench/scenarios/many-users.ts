// Many users at once: random users, the mix of resources (lib/mix.ts), 95% reads (list or one),
// 5% PATCH, from a cold start. Measures throughput and how much of the traffic still reaches
// Vapi, per resource: Vapi calls by route and the hit ratio of the answers' Cache-Status.
import type { RequestParams } from "autocannon";
import type { RequestStats, Route } from "../../emulator/counters.ts";
import type { JsonObject } from "../../emulator/json.ts";
import { type BenchUser, pool } from "../lib/api.ts";
import { load } from "../lib/load.ts";
import { MIX_RESOURCES, type MixResource, type MixUser, mixedRequests, VAPI_PATH } from "../lib/mix.ts";
import type { Ctx, ManyUsersResult, ResourceFigures } from "../lib/types.ts";
import { classify, header } from "../loadtest/tally.ts";

const WRITE_SHARE = 0.05;
export const MANY_USERS_CONNECTIONS = 50;

/** Per user: the ids of each resource, and each squad's members (Vapi's squad update requires them). */
async function learn(ctx: Ctx, users: BenchUser[]) {
  return pool(users, 20, async (u) => {
    const assistants = (await ctx.emulator.assistants(u.key)).map((a) => a.id);
    const [numbers, tools, squads] = await Promise.all([ctx.emulator.items(u.key, "phone-numbers"), ctx.emulator.items(u.key, "tools"), ctx.emulator.items(u.key, "squads")]);
    const ids = (items: JsonObject[]) => items.map((i) => String(i.id));
    const members = new Map(squads.map((s) => [String(s.id), s.members]));
    const user: MixUser = { token: u.token, ids: { assistants, "phone-numbers": ids(numbers), tools: ids(tools), squads: ids(squads) } };
    return { user, members };
  });
}

export async function manyUsers(
  ctx: Ctx,
  users: BenchUser[],
  assistantsPerUser: number,
  seconds: number,
): Promise<ManyUsersResult> {
  const learned = await learn(ctx, users);
  // Each write is a real change of that resource's own kind; a tool's update DTO depends on its
  // type, and `messages` is the one field every type's has.
  const patchBody = (u: number, resource: MixResource, id: string, n: number): string => {
    if (resource === "tools") return JSON.stringify({ messages: [] });
    if (resource === "squads") return JSON.stringify({ name: `Many ${n}`, members: learned[u]?.members.get(id) ?? [] });
    return JSON.stringify({ name: `Many ${n}` });
  };
  const spec = mixedRequests(
    learned.map((l) => l.user),
    { writeShare: WRITE_SHARE, patchBody },
  );
  const touched = new Set<unknown>();
  const per = Object.fromEntries(MIX_RESOURCES.map((r) => [r, { users: new Set<unknown>(), answers: 0, reads: 0, hits: 0 }]));
  // A user counts for a resource once a request for it was sent (an answer cut off at the end
  // still made its Vapi calls).
  const setupRequest = (req: RequestParams, context: Record<string, unknown>) => {
    const built = spec.setupRequest?.(req, context) ?? req;
    touched.add(context.user);
    per[String(context.resource)]?.users.add(context.user);
    return built;
  };
  const onResponse = (_s: number, _b: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => {
    const p = per[String(context.resource)];
    if (!p) return;
    p.answers++;
    const outcome = classify(header(headers, "cache-status"));
    if (outcome !== "write") p.reads++;
    if (outcome === "hit") p.hits++;
  };
  const requests = [{ setupRequest, onResponse }];

  const before = await ctx.emulator.counters();
  // No warm-up: the cold start (one list read per user and resource) is part of what this scenario measures.
  const r = await load(
    { url: ctx.base, requests },
    { connections: MANY_USERS_CONNECTIONS, seconds, warmupSeconds: 0 },
  );
  if (r.count === 0) throw new Error(`many users: no request succeeded (${JSON.stringify(r.statuses)})`);
  const after = await ctx.emulator.counters();
  // This run's users' calls only: the previous scenario's last requests may still be reaching Vapi.
  const calls = (s: RequestStats, route: Route) => users.reduce((n, u) => n + (s.byKeyAndRoute[u.key]?.[route] ?? 0), 0);
  const delta = (route: Route) => calls(after, route) - calls(before, route);
  const resources = Object.fromEntries(
    MIX_RESOURCES.map((res): [MixResource, ResourceFigures] => {
      const p = per[res] ?? { users: new Set(), answers: 0, reads: 0, hits: 0 };
      const path = VAPI_PATH[res];
      return [res, {
        users: p.users.size,
        answers: p.answers,
        hitRatio: p.reads ? p.hits / p.reads : null,
        listReads: delta(`GET /${path}`),
        oneReads: delta(`GET /${path}/:id`),
        writes: delta(`PATCH /${path}/:id`),
      }];
    }),
  ) as Record<MixResource, ResourceFigures>;
  const sent = r.count + r.failed;
  const total = users.reduce((n, u) => n + (after.byKey[u.key] ?? 0) - (before.byKey[u.key] ?? 0), 0);
  const sum = (k: "listReads" | "oneReads" | "writes") => MIX_RESOURCES.reduce((n, res) => n + resources[res][k], 0);
  const { samples: _samples, seconds: _seconds, errors: _errors, ...figures } = r;
  return {
    ...figures,
    users: touched.size,
    assistantsPerUser,
    connections: MANY_USERS_CONNECTIONS,
    requests: sent,
    upstream: { total, listReads: sum("listReads"), oneReads: sum("oneReads"), writes: sum("writes"), perThousand: sent ? (total / sent) * 1000 : 0 },
    resources,
  };
}
