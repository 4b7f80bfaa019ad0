// `npm run bench [-- --quick] [--only mix]`: starts the emulator (200–500 ms latency), the product and the
// floor Workers on loopback twice (under `wrangler dev`, and production-like: the deploy bundle
// on workerd through Miniflare), measures every scenario in both in one run, prints the table
// and writes bench/results/ (a quick run writes bench/results/quick/, which git ignores).
// `--only mix` runs only the coalescing and many-users scenarios (lib/mix-run.ts) and writes nothing.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { devSecrets } from "../scripts/dev-env.ts";
import { auth, call, EmulatorAdmin, provision } from "./lib/api.ts";
import { calibrate, machineBusyMs, miniflareRoleOf, roleOf, treeCpuMs, WORKER } from "./lib/cpu.ts";
import type { LoadSettings } from "./lib/load.ts";
import { mixAlone } from "./lib/mix-run.ts";
import { Processes, ROOT } from "./lib/procs.ts";
import { portPool, productSetting, snapshotProduct, startEmulator, startFloor, startFloorProd, startProduct, startProductProd } from "./lib/servers.ts";
import { type BenchResults, type Column, COLUMN_KEYS, COLUMN_NAMES, type ColumnKey, type ColumnResults, type Ctx } from "./lib/types.ts";
import { chart } from "./report/chart.ts";
import { lines, targets } from "./report/targets.ts";
import { markdownTable, textTable } from "./report/table.ts";
import { coalescing } from "./scenarios/coalescing.ts";
import { cpuPerRead } from "./scenarios/cpu.ts";
import { hotPath } from "./scenarios/hot-path.ts";
import { manyUsers } from "./scenarios/many-users.ts";
import { memory } from "./scenarios/memory.ts";
import { misses, writes } from "./scenarios/upstream.ts";

const { values: args } = parseArgs({ options: { quick: { type: "boolean", default: false }, only: { type: "string" } } });
const quick = args.quick;
if (args.only !== undefined && args.only !== "mix") throw new Error(`--only: only "mix" can run alone, not ${args.only}`);
const LATENCY = { min: 200, max: 500 };
const ASSISTANTS = 20;
const MANY_USERS = quick ? 50 : 200;
// Each of the many and the coalescing users' orgs also has phone numbers, tools and squads (the mix, lib/mix.ts).
const MORE = { phoneNumbers: 5, tools: 10, squads: 3 };
const COALESCE = 250; // per resource: 1000 cold reads in all
const COLD_USERS = quick ? 24 : 240;
const CPU_USERS = quick ? 10 : 30;
// Hot paths at 10 connections and at 1: quick 1.5 s per target, full 2 interleaved rounds of 5 s.
const LOAD: LoadSettings = quick
  ? { connections: 10, seconds: 1.5, warmupSeconds: 0.5 }
  : { connections: 10, seconds: 5, warmupSeconds: 1 };
const ROUNDS = quick ? 1 : 2;
const WATCHDOG_MS = quick ? 240_000 : 900_000;

process.chdir(ROOT); // .dev.vars, wrangler.toml and the emulator are found relative to the project
const outDir = join(ROOT, quick ? "bench/results/quick" : "bench/results");
const tmp = mkdtempSync(join(tmpdir(), "vapi-bench-"));
const procs = new Processes();
const t0 = performance.now();
const log = (msg: string) => console.error(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

let cleaning: Promise<void> | undefined;
const cleanup = () => (cleaning ??= procs.stopAll().finally(() => rmSync(tmp, { recursive: true, force: true })));
const abort = (why: string, code: number) => {
  console.error(`bench: ${why}; stopping`);
  void cleanup().then(() => process.exit(code));
};
process.once("SIGINT", () => abort("interrupted", 130));
process.once("SIGTERM", () => abort("terminated", 143));
const watchdog = setTimeout(() => abort(`still running after ${WATCHDOG_MS / 1000} s`, 1), WATCHDOG_MS);

async function main(): Promise<BenchResults> {
  // The machine is shared: other work running meanwhile slows the CPU-bound scenarios.
  const loadAtStart = loadavg()[0] ?? 0;
  const idleCheck = machineBusyMs();
  await new Promise((r) => setTimeout(r, 1_000));
  const busyShare = (machineBusyMs() - idleCheck) / (1_000 * cpus().length);
  if (busyShare > 0.25) log(`warning: the machine is ${Math.round(busyShare * 100)}% busy before the bench starts`);
  const calibrationAtStart = calibrate();
  const busyAtStart = machineBusyMs();
  const ownAtStart = treeCpuMs(process.pid);
  devSecrets(); // the product's JWT_SECRET / ENCRYPTION_KEY, exactly as `npm start` makes them
  const product = snapshotProduct(join(tmp, "product"));
  const port = await portPool(7);
  const emulatorUrl = await startEmulator(procs, port(), LATENCY);
  const emulator = new EmulatorAdmin(emulatorUrl);
  // Both products start at once: `wrangler dev`'s start and the deploy bundle's build take seconds each.
  const devAt = { port: port(), inspectorPort: port() };
  const prodPort = port();
  const [base, prodBase] = await Promise.all([
    startProduct(procs, "product", product.dir, join(tmp, "state-dev"), emulatorUrl, devAt),
    startProductProd(procs, "product (prod)", product.dir, join(tmp, "state-prod"), emulatorUrl, prodPort),
  ]);
  const bases = [base, prodBase];
  log(`product on ${base} (wrangler dev) and ${prodBase} (production-like), emulator on ${emulatorUrl}`);

  const [hot] = await provision(emulator, bases, "hot", 1, ASSISTANTS);
  if (!hot) throw new Error("no hot user");
  const hotIds = (await emulator.assistants(hot.key)).map((a) => a.id);
  const bodies = await Promise.all(bases.map(async (b) => (await call(`${b}/api/assistants`, { headers: auth(hot.token) })).text()));
  const oneBody = await (await call(`${base}/api/assistants/${hotIds[0]}`, { headers: auth(hot.token) })).text();
  const listBodyBytes = Buffer.byteLength(bodies[0] ?? "");
  if (Buffer.byteLength(bodies[1] ?? "") !== listBodyBytes) throw new Error("the two columns answer the hot list with different bodies");

  // The floors start while the other users are provisioned (both take a few seconds), one group
  // after another: 20 stores in flight is what the products' local runtimes take on a busy machine.
  const devFloorAt = { port: port(), inspectorPort: port() };
  const prodFloorPort = port();
  const users = async () => {
    const cold = await provision(emulator, bases, "cold", COLD_USERS, ASSISTANTS);
    const coalesce = await provision(emulator, bases, "coalesce", 1, ASSISTANTS, MORE);
    const many = await provision(emulator, bases, "many", MANY_USERS, ASSISTANTS, MORE);
    return [cold, coalesce, many, await provision(emulator, bases, "cpu", CPU_USERS, ASSISTANTS)] as const;
  };
  const [floorBase, prodFloorBase, [cold, [coalesceUser], many, cpuUsers]] = await Promise.all([
    startFloor(procs, join(tmp, "state-dev"), listBodyBytes, devFloorAt),
    startFloorProd(procs, join(tmp, "state-prod-floor"), listBodyBytes, prodFloorPort),
    users(),
  ]);
  if (!coalesceUser) throw new Error("no coalescing user");
  log(`floors on ${floorBase} and ${prodFloorBase}; ${cold.length + many.length + cpuUsers.length + 2} users provisioned in both`);

  const pid = (name: string) => {
    const p = procs.pid(name);
    if (p === undefined) throw new Error(`${name} is not running`);
    return p;
  };
  const columns: Column[] = [
    { key: "dev", base, floorBase, productPid: pid("product"), floorPid: pid("floor"), classify: roleOf },
    { key: "prod", base: prodBase, floorBase: prodFloorBase, productPid: pid("product (prod)"), floorPid: pid("floor (prod)"), classify: miniflareRoleOf },
  ];
  const ctxOf = (c: Column): Ctx => ({ quick, base: c.base, floorBase: c.floorBase, emulator, hot, hotIds, load: LOAD });
  const hotResults = await hotPath(ctxOf(columns[0] as Column), columns, ROUNDS, log);
  const cpu = await cpuPerRead(columns, cpuUsers);
  for (const c of columns) {
    log(`CPU per request (${c.key}, Worker): hit ${cpu[c.key].hit[WORKER]?.p50.toFixed(2)} ms, floor DO ${cpu[c.key].floorDo[WORKER]?.p50.toFixed(2)} ms, cold ${cpu[c.key].cold[WORKER]?.p50.toFixed(2)} ms, revalidation ${cpu[c.key].revalidation[WORKER]?.p50.toFixed(2)} ms`);
  }
  const perColumn: Partial<Record<ColumnKey, ColumnResults>> = {};
  for (const c of columns) {
    const ctx = ctxOf(c);
    const miss = await misses(ctx, cold);
    log(`${c.key} miss: p50 ${miss.p50.toFixed(1)} ms, paired overhead ${miss.pairedOverhead.toFixed(1)} ms`);
    const write = await writes(ctx, cold);
    log(`${c.key} write: p50 ${write.p50.toFixed(1)} ms, paired overhead ${write.pairedOverhead.toFixed(1)} ms`);
    const coalesced = await coalescing(ctx, coalesceUser, COALESCE);
    log(`${c.key} coalescing: ${coalesced.upstreamCalls} upstream call(s), statuses ${JSON.stringify(coalesced.statuses)}`);
    const manyResult = await manyUsers(ctx, many, ASSISTANTS, quick ? 3 : 10);
    log(`${c.key} many users: ${Math.round(manyResult.rps ?? 0)} req/s, ${manyResult.upstream.listReads} list reads`);
    perColumn[c.key] = { ...hotResults.columns[c.key], miss, write, cpu: cpu[c.key], coalescing: coalesced, manyUsers: manyResult };
  }
  const mem = await memory(ctxOf(columns[1] as Column), tmp);

  const machine = cpus();
  // Others' share of the machine while the bench ran: all busy CPU minus this process tree's.
  // Exited children (migrations, bundles, heap estimate) are not in the tree any more: a slight overcount.
  const others = machineBusyMs() - busyAtStart - (treeCpuMs(process.pid) - ownAtStart);
  const wallMs = performance.now() - t0;
  const version = (pkg: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  return {
    meta: {
      date: new Date().toISOString(),
      quick,
      machine: { cpus: machine.length, model: machine[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30) },
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      othersCpuShare: Math.max(0, others / (wallMs * machine.length)),
      calibrationMs: { start: calibrationAtStart, end: calibrate() },
      node: process.version,
      product: { commit: product.commit, uncommitted: product.dirty },
      wrangler: version("wrangler"),
      miniflare: version("miniflare"),
      load: { ...LOAD, rounds: ROUNDS },
      emulatorLatencyMs: LATENCY,
      ttlSeconds: Number(productSetting("CACHE_TTL_SECONDS")),
      listBodyBytes,
      oneBodyBytes: Buffer.byteLength(oneBody),
      assistantsPerUser: ASSISTANTS,
      durationSeconds: Math.round((performance.now() - t0) / 1000),
    },
    direct: hotResults.direct,
    columns: perColumn as Record<ColumnKey, ColumnResults>,
    memory: mem,
  };
}

try {
  if (args.only === "mix") {
    const table = await mixAlone({ procs, tmp, quick, latency: LATENCY, assistants: ASSISTANTS, more: MORE, manyUsers: MANY_USERS, coalesce: COALESCE, load: LOAD, log });
    console.log(`\n${table}\n`);
  } else report(await main());
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  console.error(procs.logs());
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}

/** The full run's table, targets and results files. */
function report(results: BenchResults) {
  const ls = lines(results);
  const outcome = targets(ls);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "latest.json"), `${JSON.stringify({ ...results, targets: outcome }, null, 2)}\n`);
  writeFileSync(join(outDir, "latest.md"), `${markdownTable(ls)}\n`);
  writeFileSync(join(outDir, "chart.svg"), chart(results));
  console.log(`\n${textTable(ls)}\n`);
  const tally = COLUMN_KEYS.map((k) => {
    const mine = outcome.filter((t) => t.column === k);
    return `${COLUMN_NAMES[k]} ${mine.filter((t) => t.met).length}/${mine.length}`;
  });
  console.log(`targets met: ${tally.join(", ")}  (reported, not asserted; the production-like column describes the product)`);
  const others = Math.round(results.meta.othersCpuShare * 100);
  const cal = results.meta.calibrationMs;
  console.log(`other processes used ${others}% of the machine's CPU meanwhile${others > 10 ? " (figures are noisy)" : ""}; CPU calibration ${cal.start}/${cal.end} ms (start/end, lower is faster)`);
  console.log(`results: ${outDir}/latest.json, latest.md, chart.svg  (${results.meta.durationSeconds} s)`);
}
