// `node bench/profile.ts [--variant NAME]... [--rounds N] [--seconds N] [--cold N] [--profile hot|cold|revalidate]
// [--profile-of A|B] [--prod] [--latency MIN-MAX]`: where the time goes. Starts the emulator, the floor Worker, the product (A) and,
// with --variant, a second copy of the product (B) with one suspect switched off (see
// lib/profile-report.ts; only the bench's private copy is edited, never src/). It then measures,
// interleaved in rounds so that background load on a shared machine hits every case alike:
//   latency at 1 and 10 connections, req/s, and CPU ms per request by process (/proc);
// then cold list reads and unchanged revalidations (`no-cache`), one at a time, alternating A and
// B, with CPU per read; and last a V8 CPU profile of one product's isolate (A unless --profile-of)
// under hot-list load, during cold reads of fresh users, or during revalidations; with --prod, of
// a production-like copy of that product (its deploy bundle on workerd, lib/miniflare-host.ts).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { devSecrets } from "../scripts/dev-env.ts";
import { auth, EmulatorAdmin, pool, provision, storeKey } from "./lib/api.ts";
import { cpuByRole, diff } from "./lib/cpu.ts";
import { cpuProfile } from "./lib/inspector.ts";
import { load, type LoadRun } from "./lib/load.ts";
import { applyVariants, coldReads, devBundle, printProfile, type Product } from "./lib/profile-report.ts";
import { toolRun } from "./lib/tool-run.ts";
import { portPool, snapshotProduct, startEmulator, startFloor, startProduct, startProductProd } from "./lib/servers.ts";
import { summarize } from "./lib/stats.ts";

const { values } = parseArgs({
  options: {
    variant: { type: "string", multiple: true, default: [] },
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    cold: { type: "string", default: "15" },
    profile: { type: "string", default: "hot" },
    "profile-of": { type: "string", default: "A" },
    prod: { type: "boolean", default: false },
    latency: { type: "string", default: "200-500" },
  },
});
const [rounds, seconds, coldCount] = [Number(values.rounds), Number(values.seconds), Number(values.cold)];
if (!["hot", "cold", "revalidate"].includes(values.profile)) throw new Error("--profile is hot, cold or revalidate");
// The emulator's delay. V8's sampler charges a wait for Vapi partly to the function that awaits
// it (the isolate is not marked idle), so a profile of cold reads is truer with `--latency 0-0`.
const { latency, tmp, procs, stop } = toolRun("vapi-profile-", values.latency);

interface Case {
  name: string;
  who: string;
  run: LoadRun;
  x10: number[];
  x1: number[];
  seconds: number;
  cpu: Record<string, number>;
}

try {
  devSecrets();
  const port = await portPool(9);
  const emulator = new EmulatorAdmin(await startEmulator(procs, port(), latency));
  const a = snapshotProduct(join(tmp, "a"));
  const aAt = { port: port(), inspectorPort: port() };
  const baseA = await startProduct(procs, "A", a.dir, join(tmp, "state-a"), emulator.url, aAt);
  const [hot] = await provision(emulator, baseA, "hot", 1, 20);
  if (!hot) throw new Error("no hot user");
  const id = (await emulator.assistants(hot.key))[0]?.id;
  const listBytes = (await (await fetch(`${baseA}/api/assistants`, { headers: auth(hot.token) })).arrayBuffer()).byteLength;
  const floor = await startFloor(procs, join(tmp, "state"), listBytes, { port: port(), inspectorPort: port() });
  const products: [string, string][] = [["A", baseA]];
  const dirs: Record<string, { dir: string; inspectorPort: number }> = { A: { dir: a.dir, inspectorPort: aAt.inspectorPort } };
  if (values.variant.length > 0) {
    const b = snapshotProduct(join(tmp, "b"));
    applyVariants(b.dir, values.variant);
    const bAt = { port: port(), inspectorPort: port() };
    const baseB = await startProduct(procs, "B", b.dir, join(tmp, "state-b"), emulator.url, bAt);
    await storeKey(baseB, hot);
    await fetch(`${baseB}/api/assistants`, { headers: auth(hot.token) }).then((r) => r.arrayBuffer());
    products.push(["B", baseB]);
    dirs.B = { dir: b.dir, inspectorPort: bAt.inspectorPort };
  }
  const profiled = products.find(([who]) => who === values["profile-of"]);
  if (!profiled) throw new Error(`--profile-of ${values["profile-of"]}: no such product`);
  // Cold users for the measurements, and more for a profile of cold reads; every product has their keys.
  const cold = await provision(emulator, baseA, "cold", coldCount * (values.profile === "cold" ? 2 : 1), 20);
  for (const [, base] of products.slice(1)) await pool(cold, 10, (u) => storeKey(base, u));
  const coldForProfile = cold.splice(coldCount);

  const cases: Case[] = [
    { name: "floor: static", who: "floor", run: { url: `${floor}/static` } },
    { name: "floor: bare DO RPC", who: "floor", run: { url: `${floor}/do` } },
    ...products.flatMap(([who, base]) => [
      { name: `${who}: /healthz (no auth)`, who, run: { url: `${base}/healthz` } },
      { name: `${who}: hot hit list`, who, run: { url: `${base}/api/assistants`, headers: auth(hot.token) } },
      { name: `${who}: hot hit one`, who, run: { url: `${base}/api/assistants/${id}`, headers: auth(hot.token) } },
    ]),
  ].map((c) => ({ ...c, x10: [], x1: [], seconds: 0, cpu: {} }));
  console.log(`B = A with: ${values.variant.join(", ") || "(no B)"}; ${rounds} rounds × ${seconds} s per case`);
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const root = procs.pid(c.who) ?? 0;
      await load(c.run, { connections: 10, seconds: 0.5, warmupSeconds: 0 }); // outside the window
      const before = cpuByRole(root);
      const r = await load(c.run, { connections: 10, seconds, warmupSeconds: 0 });
      for (const [k, v] of Object.entries(diff(cpuByRole(root), before))) c.cpu[k] = (c.cpu[k] ?? 0) + v;
      c.x10.push(...r.samples);
      c.seconds += r.seconds;
      c.x1.push(...(await load(c.run, { connections: 1, seconds: seconds / 2, warmupSeconds: 0 })).samples);
    }
  }
  const floorDo = cases[1];
  const doP50 = floorDo ? summarize(floorDo.x10, null).p50 : Number.NaN;
  const doP50x1 = floorDo ? summarize(floorDo.x1, null).p50 : Number.NaN;
  const doRps = floorDo ? floorDo.x10.length / floorDo.seconds : Number.NaN;
  console.log("case                        p50 ×1 (÷DO)     p50 ×10 (÷DO)    req/s (÷DO)   CPU ms/request by process");
  for (const c of cases) {
    const [p1, p10, rps] = [summarize(c.x1, null).p50, summarize(c.x10, null).p50, c.x10.length / c.seconds];
    const cpu = Object.entries(c.cpu).filter(([k]) => k !== "esbuild").map(([k, v]) => `${k} ${(v / c.x10.length).toFixed(2)}`);
    const col = (v: number, d: number, unit: string) => `${v.toFixed(unit ? 2 : 0)}${unit} (${(v / d).toFixed(2)})`.padEnd(17);
    console.log(`${c.name.padEnd(27)} ${col(p1, doP50x1, " ms")}${col(p10, doP50, " ms")}${col(rps, doRps, "")}${cpu.join(", ")}`);
  }

  console.log("");
  const measured: Product[] = products.map(([name, base]) => ({ name, base, pid: procs.pid(name) ?? 0 }));
  await coldReads(measured, cold);
  // Last and not fatal: under the profiler, wrangler's proxy workerd has been seen to pile up
  // sockets until "Too many open files", so it runs after the measurements, with 4 connections.
  const [who, devBase] = profiled;
  const target = dirs[who];
  if (!target) throw new Error(`no product ${who}`);
  // Production-like: the same copy's deploy bundle, with its own state: its users are cold there.
  let [base, inspector, bundle] = [devBase, { port: target.inspectorPort, path: "/ws" }, devBundle(target.dir)];
  if (values.prod) {
    const at = { port: port(), inspectorPort: port() };
    const state = join(tmp, `state-${who}-prod`);
    base = await startProductProd(procs, `${who} (prod)`, target.dir, state, emulator.url, at.port, { inspectorPort: at.inspectorPort });
    await pool([hot, ...cold, ...coldForProfile], 10, (u) => storeKey(base, u));
    await pool([hot, ...cold], 4, (u) => fetch(`${base}/api/assistants`, { headers: auth(u.token) }).then((r) => r.arrayBuffer()));
    [inspector, bundle] = [{ port: at.inspectorPort, path: "/core:user:" }, join(state, "bundle/index.js")];
  }
  const list = (u: { token: string }, noCache: boolean) =>
    fetch(`${base}/api/assistants`, { headers: { ...auth(u.token), ...(noCache ? { "Cache-Control": "no-cache" } : {}) } }).then((r) => r.arrayBuffer());
  const during = {
    hot: () => load({ url: `${base}/api/assistants`, headers: auth(hot.token) }, { connections: 4, seconds, warmupSeconds: 0 }),
    // A few in flight, so the isolate is rarely waiting with nothing to do.
    cold: () => pool(coldForProfile, 4, (u) => list(u, false)),
    revalidate: () => pool([...cold, ...cold, ...cold], 4, (u) => list(u, true)),
  }[values.profile as "hot" | "cold" | "revalidate"];
  console.log(`\nV8 profile of ${who}'s isolate${values.prod ? ", production-like" : ""} (${values.profile}), top self time (idle left out):`);
  try {
    const fns = await cpuProfile(inspector.port, async () => {
      await during();
    }, inspector.path);
    printProfile(fns, bundle);
  } catch (err) {
    console.log(`  (no profile: ${err instanceof Error ? err.message : String(err)})`);
  }
  await stop(0);
} catch (err) {
  console.error(`profile failed: ${err instanceof Error ? err.stack : String(err)}`);
  console.error(procs.logs());
  await stop(1);
}
