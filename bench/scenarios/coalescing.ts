// 1000 concurrent cold reads of one user: how many reach Vapi (single-flight says exactly one).
import { auth, type BenchUser } from "../lib/api.ts";
import { burst } from "../lib/load.ts";
import { summarize } from "../lib/stats.ts";
import type { CoalescingResult, Ctx } from "../lib/types.ts";

export async function coalescing(ctx: Ctx, user: BenchUser, concurrent: number): Promise<CoalescingResult> {
  // Snapshot after the key was stored: storing it made one verification call of its own.
  const before = (await ctx.emulator.counters()).byKey[user.key] ?? 0;
  const started = performance.now();
  const results = await burst(concurrent, `${ctx.base}/api/assistants`, { headers: auth(user.token) });
  const wallMs = performance.now() - started;
  const after = (await ctx.emulator.counters()).byKey[user.key] ?? 0;
  const statuses: Record<string, number> = {};
  for (const r of results) {
    const key = r.status === 0 ? `error: ${r.headers.get("x-error") ?? "?"}`.slice(0, 80) : String(r.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const ok = results.filter((r) => r.status === 200);
  return {
    ...summarize(ok.map((r) => r.ms), null, results.length - ok.length),
    rps: (ok.length / wallMs) * 1000,
    concurrent,
    upstreamCalls: after - before,
    statuses,
    wallMs,
  };
}
