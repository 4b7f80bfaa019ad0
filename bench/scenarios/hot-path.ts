// Floors, hot hits and direct reads: the same autocannon settings, one after another, so the
// ratios compare like with like (same runtime, same client, same connections and duration).
// Both columns (wrangler dev, production-like) run each step back to back, and a full run
// interleaves several rounds and pools them: the machine is shared, and background work that
// comes and goes then weighs on floors, products and columns alike instead of on one of them.
import { auth } from "../lib/api.ts";
import { load, type LoadRun } from "../lib/load.ts";
import { type Summary, summarize } from "../lib/stats.ts";
import type { Column, ColumnKey, Ctx } from "../lib/types.ts";

/** One column's hot-path figures. */
export interface HotPathFigures {
  floorStatic: Summary;
  floorDo: Summary;
  hotList: Summary;
  hotOne: Summary;
  /** The same at one connection: a path's own latency, without queueing behind other requests. */
  unloaded: { floorStatic: Summary; floorDo: Summary; hotList: Summary; hotOne: Summary };
}

export interface HotPathResult {
  /** The list straight from the emulator: the same for every column, measured once per round. */
  direct: Summary;
  columns: Record<ColumnKey, HotPathFigures>;
}

type Step = "floorStatic" | "floorDo" | "hotList" | "hotOne";

export async function hotPath(ctx: Ctx, columns: Column[], rounds: number, log: (msg: string) => void): Promise<HotPathResult> {
  const headers = auth(ctx.hot.token);
  const id = ctx.hotIds[0];
  if (!id) throw new Error("the hot user has no assistants");
  for (const c of columns) {
    const hit = await fetch(`${c.base}/api/assistants`, { headers });
    await hit.arrayBuffer();
    if (!/; hit/.test(hit.headers.get("Cache-Status") ?? "")) throw new Error(`${c.key}: the hot user's list is not a hit`);
  }
  const steps = (c: Column): Record<Step, LoadRun> => ({
    floorStatic: { url: `${c.floorBase}/static` },
    floorDo: { url: `${c.floorBase}/do` },
    hotList: { url: `${c.base}/api/assistants`, headers },
    hotOne: { url: `${c.base}/api/assistants/${id}`, headers },
  });
  // What the dashboard did before: the list straight from Vapi (the emulator), every time.
  const direct: LoadRun = { url: `${ctx.emulator.url}/assistant?limit=1000`, headers: auth(ctx.hot.key) };
  const names: Step[] = ["floorStatic", "floorDo", "hotList", "hotOne"];
  const pooled = new Map<string, { samples: number[]; seconds: number }>();
  const run = async (key: string, label: string, what: LoadRun, connections: number) => {
    // The single-connection block follows the 10-connection one on the same paths: warm already.
    const warmupSeconds = connections === 1 ? 0 : ctx.load.warmupSeconds;
    const r = await load(what, { ...ctx.load, connections, warmupSeconds });
    if (r.failed > 0) throw new Error(`${label}: ${r.failed} failed requests (${JSON.stringify(r.statuses)})`);
    log(`${label} ×${connections}: p50 ${r.p50.toFixed(2)} ms, ${Math.round(r.rps ?? 0)} req/s`);
    const acc = pooled.get(`${key}@${connections}`) ?? { samples: [], seconds: 0 };
    acc.samples.push(...r.samples);
    acc.seconds += r.seconds;
    pooled.set(`${key}@${connections}`, acc);
  };
  for (let round = 0; round < rounds; round++) {
    const tag = `round ${round + 1}/${rounds}`;
    for (const connections of [ctx.load.connections, 1]) {
      for (const name of names) for (const c of columns) await run(`${c.key}:${name}`, `${tag} ${c.key} ${name}`, steps(c)[name], connections);
      // The emulator only sleeps, so one connection would not change the direct read: it runs once.
      if (connections !== 1) await run("direct", `${tag} direct`, direct, connections);
    }
  }
  const result = (key: string, connections = ctx.load.connections): Summary => {
    const acc = pooled.get(`${key}@${connections}`);
    if (!acc) throw new Error(`no samples for ${key}`);
    return summarize(acc.samples, acc.seconds);
  };
  const figures = (c: Column): HotPathFigures => {
    const of = (name: Step, connections?: number) => result(`${c.key}:${name}`, connections);
    return {
      floorStatic: of("floorStatic"),
      floorDo: of("floorDo"),
      hotList: of("hotList"),
      hotOne: of("hotOne"),
      unloaded: { floorStatic: of("floorStatic", 1), floorDo: of("floorDo", 1), hotList: of("hotList", 1), hotOne: of("hotOne", 1) },
    };
  };
  return { direct: result("direct"), columns: Object.fromEntries(columns.map((c) => [c.key, figures(c)])) as Record<ColumnKey, HotPathFigures> };
}
