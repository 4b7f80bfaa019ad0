// Floors, hot hits and direct reads: the same autocannon settings, one after another, so the
// ratios compare like with like (same runtime, same client, same connections and duration).
// A full run interleaves several rounds and pools them: the machine is shared, and background
// work that comes and goes then weighs on floors and product alike instead of on one of them.
import { auth } from "../lib/api.ts";
import { load, type LoadRun } from "../lib/load.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import type { Ctx } from "../lib/types.ts";

export interface HotPathResult {
  floorStatic: Summary;
  floorDo: Summary;
  hotList: Summary;
  hotOne: Summary;
  direct: Summary;
  /** The same at one connection: a path's own latency, without queueing behind other requests. */
  unloaded: { floorStatic: Summary; floorDo: Summary; hotList: Summary; hotOne: Summary };
}

type Step = "floorStatic" | "floorDo" | "hotList" | "hotOne" | "direct";

export async function hotPath(ctx: Ctx, rounds: number, log: (msg: string) => void): Promise<HotPathResult> {
  const headers = auth(ctx.hot.token);
  const id = ctx.hotIds[0];
  if (!id) throw new Error("the hot user has no assistants");
  const hit = await fetch(`${ctx.base}/api/assistants`, { headers });
  await hit.arrayBuffer();
  if (!/; hit/.test(hit.headers.get("Cache-Status") ?? "")) throw new Error("the hot user's list is not a hit");
  const steps: Record<Step, LoadRun> = {
    floorStatic: { url: `${ctx.floorBase}/static` },
    floorDo: { url: `${ctx.floorBase}/do` },
    hotList: { url: `${ctx.base}/api/assistants`, headers },
    hotOne: { url: `${ctx.base}/api/assistants/${id}`, headers },
    // What the dashboard did before: the list straight from Vapi (the emulator), every time.
    direct: { url: `${ctx.emulator.url}/assistant?limit=1000`, headers: auth(ctx.hot.key) },
  };
  // The emulator only sleeps, so one connection would not change the direct read: it runs once.
  const plan: [number, Step[]][] = [
    [ctx.load.connections, ["floorStatic", "floorDo", "hotList", "hotOne", "direct"]],
    [1, ["floorStatic", "floorDo", "hotList", "hotOne"]],
  ];
  const pooled = new Map<string, { samples: number[]; seconds: number }>();
  for (let round = 0; round < rounds; round++) {
    for (const [connections, names] of plan) {
      for (const name of names) {
        // The single-connection block follows the 10-connection one on the same paths: warm already.
        const warmupSeconds = connections === 1 ? 0 : ctx.load.warmupSeconds;
        const r = await load(steps[name], { ...ctx.load, connections, warmupSeconds });
        if (r.failed > 0) throw new Error(`${name}: ${r.failed} failed requests (${JSON.stringify(r.statuses)})`);
        log(`round ${round + 1}/${rounds} ${name} ×${connections}: p50 ${r.p50.toFixed(2)} ms, ${Math.round(r.rps ?? 0)} req/s`);
        const key = `${name}@${connections}`;
        const acc = pooled.get(key) ?? { samples: [], seconds: 0 };
        acc.samples.push(...r.samples);
        acc.seconds += r.seconds;
        pooled.set(key, acc);
      }
    }
  }
  const result = (name: Step, connections = ctx.load.connections): Summary => {
    const acc = pooled.get(`${name}@${connections}`);
    if (!acc) throw new Error(`no samples for ${name}`);
    return summarize(acc.samples, acc.seconds);
  };
  return {
    floorStatic: result("floorStatic"),
    floorDo: result("floorDo"),
    hotList: result("hotList"),
    hotOne: result("hotOne"),
    direct: result("direct"),
    unloaded: {
      floorStatic: result("floorStatic", 1),
      floorDo: result("floorDo", 1),
      hotList: result("hotList", 1),
      hotOne: result("hotOne", 1),
    },
  };
}
