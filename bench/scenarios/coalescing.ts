// Concurrent cold list reads of one user, `perResource` of each resource, all at once: how many
// reach Vapi (single-flight says exactly one per resource; the resources' reads never join each
// other's). Counted by the emulator for this user's key and route: the previous scenario's last
// requests may still be reaching Vapi for other users.
import type { RequestStats } from "../../emulator/counters.ts";
import { auth, type BenchUser } from "../lib/api.ts";
import { burst, type Sampled } from "../lib/load.ts";
import { MIX_RESOURCES, type MixResource, VAPI_PATH } from "../lib/mix.ts";
import { summarize } from "../lib/stats.ts";
import type { CoalescingResult, Ctx } from "../lib/types.ts";

export async function coalescing(ctx: Ctx, user: BenchUser, perResource: number): Promise<CoalescingResult> {
  // Snapshot after the key was stored: storing it made one verification call of its own.
  const before = await ctx.emulator.counters();
  const started = performance.now();
  const answers = await Promise.all(MIX_RESOURCES.map((r) => burst(perResource, `${ctx.base}/api/${r}`, { headers: auth(user.token) })));
  const wallMs = performance.now() - started;
  const after = await ctx.emulator.counters();
  const results = answers.flat();
  const statuses: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 0 ? `error: ${r.headers.get("x-error") ?? "?"}`.slice(0, 80) : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const isOk = (r: Sampled) => r.status === 200;
  const ok = results.filter(isOk);
  const resources = Object.fromEntries(
    MIX_RESOURCES.map((r, i) => {
      const route = `GET /${VAPI_PATH[r]}` as const;
      const calls = (s: RequestStats) => s.byKeyAndRoute[user.key]?.[route] ?? 0;
      return [r, { concurrent: perResource, upstreamCalls: calls(after) - calls(before), ok: (answers[i] ?? []).filter(isOk).length }];
    }),
  ) as Record<MixResource, { concurrent: number; upstreamCalls: number; ok: number }>;
  return {
    ...summarize(ok.map((r) => r.ms), null, results.length - ok.length),
    rps: (ok.length / wallMs) * 1000,
    concurrent: results.length,
    upstreamCalls: (after.byKey[user.key] ?? 0) - (before.byKey[user.key] ?? 0),
    statuses,
    wallMs,
    resources,
  };
}
