// CPU per request of the two paths that do real work in the Worker: a cold read of a user's list
// (Vapi's answer validated, cached, persisted) and a revalidation of an unchanged list
// (`Cache-Control: no-cache` while Vapi's data stays the same). One request at a time, each
// measured on its own from /proc (lib/cpu-meter.ts), the processes' idle burn subtracted.
import { auth, type BenchUser } from "../lib/api.ts";
import { CpuMeter, cpuFigures } from "../lib/cpu-meter.ts";
import { timedFetch } from "../lib/load.ts";
import type { CpuResult, Ctx } from "../lib/types.ts";

/** One read of `user`'s list, checked to be what it claims to measure. */
export async function listRead(base: string, user: BenchUser, noCache: boolean, expect: RegExp): Promise<void> {
  const headers = { ...auth(user.token), ...(noCache ? { "Cache-Control": "no-cache" } : {}) };
  const r = await timedFetch(`${base}/api/assistants`, { headers });
  const status = r.headers.get("Cache-Status") ?? "";
  if (r.status !== 200 || !expect.test(status)) throw new Error(`${user.sub}: expected ${expect}, got ${r.status} ${status}`);
}

export const COLD = /fwd=miss/;
export const REVALIDATED = /fwd=request/;
export const HIT = /; hit/;

/** `users` have stored their keys and never been read: each is read cold once, then revalidated once. */
export async function cpuPerRead(ctx: Ctx, users: BenchUser[], productPid: number): Promise<CpuResult> {
  const meter = new CpuMeter(productPid);
  const idle = await meter.idle();
  const cold: Record<string, number>[] = [];
  for (const u of users) cold.push(await meter.measure(() => listRead(ctx.base, u, false, COLD)));
  const revalidation: Record<string, number>[] = [];
  for (const u of users) revalidation.push(await meter.measure(() => listRead(ctx.base, u, true, REVALIDATED)));
  // The same users' cached lists, measured the same way: what any request of the path costs.
  const hit: Record<string, number>[] = [];
  for (const u of users) hit.push(await meter.measure(() => listRead(ctx.base, u, false, HIT)));
  return {
    reads: users.length,
    idleMsPerSecond: idle,
    cold: cpuFigures(cold),
    revalidation: cpuFigures(revalidation),
    hit: cpuFigures(hit),
  };
}
