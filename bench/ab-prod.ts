// `node bench/ab-prod.ts [--base REF] [--users N] [--cold N] [--latency MIN-MAX] [--profile hot|cold|revalidate]`:
// a production-like A/B of a change. A is the product at REF (default HEAD, from git), B is the
// working tree; both run as their deploy bundles on workerd through Miniflare (lib/miniflare-host.ts),
// next to the production-like floor, in one run on one machine. It prints, for each: the
// Worker's CPU per request one at a time (a cold read of 20, an unchanged revalidation, a hit, and
// the bare-DO floor's: the bench's CPU scenario, columns alternating request by request), and the
// paired overhead of misses and writes (latency − Server-Timing vapi) with the Server-Timing
// phases and what they leave unaccounted. With --profile, a V8 profile of B's isolate last.
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { devSecrets } from "../scripts/dev-env.ts";
import { auth, EmulatorAdmin, pool, provision } from "./lib/api.ts";
import { miniflareRoleOf, WORKER } from "./lib/cpu.ts";
import { cpuProfile } from "./lib/inspector.ts";
import { load } from "./lib/load.ts";
import { ROOT } from "./lib/procs.ts";
import { toolRun } from "./lib/tool-run.ts";
import { printProfile } from "./lib/profile-report.ts";
import { portPool, snapshotProduct, startEmulator, startFloorProd, startProductProd } from "./lib/servers.ts";
import type { Column, ColumnKey, Ctx } from "./lib/types.ts";
import { cpuPerRead } from "./scenarios/cpu.ts";
import { misses, writes } from "./scenarios/upstream.ts";

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "HEAD" },
    users: { type: "string", default: "20" },
    cold: { type: "string", default: "40" },
    latency: { type: "string", default: "200-500" },
    profile: { type: "string" },
  },
});
const { latency, tmp, procs, stop } = toolRun("vapi-ab-", values.latency);

/** The product as committed at `ref` (git archive of its files), with .dev.vars and node_modules of this checkout. */
function exportRef(ref: string, dir: string) {
  mkdirSync(dir, { recursive: true });
  const files = ["wrangler.toml", "package.json", "tsconfig.json", "src", "core", "durable-objects", "migrations", "page", "packages", "scripts"];
  execFileSync("sh", ["-c", `git archive ${JSON.stringify(ref)} ${files.join(" ")} | tar -x -C ${JSON.stringify(dir)}`], { cwd: ROOT });
  execFileSync("cp", [join(ROOT, ".dev.vars"), dir]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
}

const f = (n: number | undefined) => (n === undefined ? "—" : n.toFixed(2));

try {
  devSecrets();
  const port = await portPool(6);
  const emulator = new EmulatorAdmin(await startEmulator(procs, port(), latency));
  exportRef(values.base, join(tmp, "a"));
  const b = snapshotProduct(join(tmp, "b"));
  const inspectorPort = port();
  const [baseA, baseB] = await Promise.all([
    startProductProd(procs, "A", join(tmp, "a"), join(tmp, "state-a"), emulator.url, port()),
    startProductProd(procs, "B", b.dir, join(tmp, "state-b"), emulator.url, port(), { inspectorPort: values.profile ? inspectorPort : undefined }),
  ]);
  const bases = [baseA, baseB];
  const [hot] = await provision(emulator, bases, "hot", 1, 20);
  if (!hot) throw new Error("no hot user");
  const listBytes = (await (await fetch(`${baseA}/api/assistants`, { headers: auth(hot.token) })).arrayBuffer()).byteLength;
  await fetch(`${baseB}/api/assistants`, { headers: auth(hot.token) }).then((r) => r.arrayBuffer());
  const floor = await startFloorProd(procs, join(tmp, "state-floor"), listBytes, port());
  const cpuUsers = await provision(emulator, bases, "cpu", Number(values.users), 20);
  const coldUsers = await provision(emulator, bases, "cold", Number(values.cold), 20);
  const pid = (n: string) => procs.pid(n) ?? 0;
  const columns = [
    { key: "A" as string as ColumnKey, base: baseA, floorBase: floor, productPid: pid("A"), floorPid: pid("floor (prod)"), classify: miniflareRoleOf },
    { key: "B" as string as ColumnKey, base: baseB, floorBase: floor, productPid: pid("B"), floorPid: pid("floor (prod)"), classify: miniflareRoleOf },
  ] satisfies Column[];
  console.log(`A = ${values.base}, B = working tree (${b.commit}${b.dirty.length ? ` + ${b.dirty.length} changed files` : ""}); production-like`);
  const cpu = await cpuPerRead(columns, cpuUsers, emulator);
  console.log("\nWorker CPU ms per request, p50 (mean), one at a time:");
  console.log("      hit           floor DO      cold          revalidation    hit÷floor  cold÷hit  reval÷hit");
  for (const c of columns) {
    const r = cpu[c.key];
    const p = (x: typeof r.hit) => x[WORKER]?.p50 ?? Number.NaN;
    const cell = (x: typeof r.hit) => `${f(x[WORKER]?.p50)} (${f(x[WORKER]?.mean)})`.padEnd(14);
    const ratios = [p(r.hit) / p(r.floorDo), p(r.cold) / p(r.hit), p(r.revalidation) / p(r.hit)].map((x) => `${f(x)}×`.padEnd(10));
    console.log(`  ${c.key}   ${cell(r.hit)}${cell(r.floorDo)}${cell(r.cold)}${cell(r.revalidation)}  ${ratios.join("")}`);
  }
  // What the same requests cost outside the Worker's process (D1's own workerd, the host's Node).
  for (const c of columns) {
    const r = cpu[c.key];
    const others = (x: typeof r.hit) => Object.entries(x).filter(([role]) => role !== WORKER).map(([role, v]) => `${role} ${f(v.p50)}`).join(", ");
    console.log(`  ${c.key} other processes p50: hit ${others(r.hit)}; cold ${others(r.cold)}; revalidation ${others(r.revalidation)}`);
  }
  const ctxOf = (base: string): Ctx => ({ quick: true, base, floorBase: floor, emulator, hot, hotIds: [], load: { connections: 1, seconds: 1, warmupSeconds: 0 } });
  console.log("\nPaired overhead (latency − Server-Timing vapi), p50 ms, and Server-Timing p50 by phase:");
  const half = Math.floor(coldUsers.length / 2);
  // Each product gets its own half of the users for writes after misses, alternating halves so neither goes first always.
  for (const [who, base] of coldUsers.length ? ([["A", baseA], ["B", baseB]] as const) : []) {
    const ctx = ctxOf(base);
    const miss = await misses(ctx, coldUsers);
    const write = await writes(ctx, who === "A" ? coldUsers.slice(0, half) : coldUsers.slice(half));
    const st = (o: typeof miss) => Object.entries(o.serverTiming).map(([k, v]) => `${k} ${f(v)}`).join(", ");
    console.log(`  ${who} miss  ${f(miss.pairedOverhead)} ms, net of the client's exchange ${f(miss.netOverhead)} (a hit's ${f(miss.hop)})  (p50 ${f(miss.p50)}; ${st(miss)})`);
    console.log(`  ${who} write ${f(write.pairedOverhead)} ms, net of the client's exchange ${f(write.netOverhead)} (a hit's ${f(write.hop)})  (p50 ${f(write.p50)}; ${st(write)})`);
    for (const [what, o] of [["miss", miss], ["write", write]] as const) {
      const a = o.accounting;
      if (!a) continue;
      const phases = Object.entries(a.phases).map(([k, v]) => `${k} ${f(v)}`).join(", ");
      console.log(`    ${what} phases p50: ${phases}; total − Σ ${f(a.unaccounted)}; latency − total ${f(a.outside)}`);
    }
  }
  if (values.profile) {
    const list = (u: { token: string }, noCache: boolean) =>
      fetch(`${baseB}/api/assistants`, { headers: { ...auth(u.token), ...(noCache ? { "Cache-Control": "no-cache" } : {}) } }).then((r) => r.arrayBuffer());
    const fresh = values.profile === "cold" ? await provision(emulator, baseB, "profile", 30, 20) : [];
    const during = {
      hot: () => load({ url: `${baseB}/api/assistants`, headers: auth(hot.token) }, { connections: 4, seconds: 4, warmupSeconds: 0 }),
      cold: () => pool(fresh, 4, (u) => list(u, false)),
      revalidate: () => pool([...cpuUsers, ...cpuUsers, ...cpuUsers, ...cpuUsers, ...cpuUsers], 1, (u) => list(u, true)),
    }[values.profile as "hot" | "cold" | "revalidate"];
    console.log(`\nV8 profile of B (${values.profile}), top self time:`);
    printProfile(await cpuProfile(inspectorPort, async () => void (await during()), "/core:user:"), join(tmp, "state-b", "bundle/index.js"));
  }
  await stop(0);
} catch (err) {
  console.error(`ab-prod failed: ${err instanceof Error ? err.stack : String(err)}`);
  console.error(procs.logs());
  await stop(1);
}
