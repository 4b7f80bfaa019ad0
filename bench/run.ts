// `npm run bench [-- --quick] [--only team|mix]`: starts the emulator (200–500 ms latency), the product
// and the floor Workers on loopback twice (under `wrangler dev`, and production-like: the deploy
// bundle on workerd through Miniflare), measures every scenario in both in one run (the team
// scenario production-like only), prints the table and writes bench/results/ (a quick run writes
// bench/results/quick/, which git ignores). `--only team` starts only what the team scenario needs
// and writes only its own team.json and team.md. `--only mix` runs only the coalescing and many-users
// scenarios (lib/mix-run.ts) and writes nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { devSecrets } from "../scripts/dev-env.ts";
import { auth, call, EmulatorAdmin, provision } from "./lib/api.ts";
import { machineBusyMs, miniflareRoleOf, roleOf, WORKER } from "./lib/cpu.ts";
import type { LoadSettings } from "./lib/load.ts";
import { Processes, ROOT } from "./lib/procs.ts";
import { machine, packageVersion, startMeter } from "./lib/run-meta.ts";
import { portPool, productSetting, snapshotProduct, startEmulator, startFloor, startFloorProd, startProduct, startProductProd } from "./lib/servers.ts";
import { mixAlone } from "./lib/mix-run.ts";
import { runTeam, writeTeam } from "./lib/team-run.ts";
import { type BenchResults, type Column, COLUMN_KEYS, COLUMN_NAMES, type ColumnKey, type ColumnResults, type Ctx, type TeamResults } from "./lib/types.ts";
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
// The other scenarios share the hot user, the floors and the CPU meter's setup: only the team scenario and the mix run alone.
if (args.only !== undefined && args.only !== "team" && args.only !== "mix") throw new Error(`--only: only "team" or "mix" can run alone, not ${args.only}`);
const teamOnly = args.only === "team";
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
const WATCHDOG_MS = quick ? 360_000 : 1_200_000;

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

/** Warns when the machine is busy before the run (other work slows the CPU-bound scenarios), then starts the meter. */
async function meterStart() {
  const idleCheck = machineBusyMs();
  await new Promise((r) => setTimeout(r, 1_000));
  const busyShare = (machineBusyMs() - idleCheck) / (1_000 * cpus().length);
  if (busyShare > 0.25) log(`warning: the machine is ${Math.round(busyShare * 100)}% busy before the bench starts`);
  return startMeter();
}

/** The team scenario's results file's meta, at the end of its run. */
function teamMeta(finish: ReturnType<typeof startMeter>, product: { commit: string; dirty: string[] }): TeamResults["meta"] {
  return {
    date: new Date().toISOString(),
    quick,
    machine: machine(),
    ...finish(),
    node: process.version,
    product: { commit: product.commit, uncommitted: product.dirty },
    miniflare: packageVersion("miniflare"),
    durationSeconds: Math.round((performance.now() - t0) / 1000),
  };
}

/** `--only team`: the emulator, the production-like product with teams on and off, the team scenario. */
async function teamAlone(): Promise<TeamResults> {
  const finish = await meterStart();
  devSecrets();
  const product = snapshotProduct(join(tmp, "product"));
  const port = await portPool(3);
  const emulator = new EmulatorAdmin(await startEmulator(procs, port(), LATENCY));
  const state = join(tmp, "state-prod");
  const on = await startProductProd(procs, "product (prod)", product.dir, state, emulator.url, port());
  log(`product on ${on} (production-like), emulator on ${emulator.url}`);
  const { settings, sizes } = await runTeam({
    procs, emulator, on, onName: "product (prod)", productDir: product.dir, bundle: join(state, "bundle"), offState: join(tmp, "state-prod-off"), offPort: port(), quick, log,
  });
  return { meta: teamMeta(finish, product), column: "prod", settings, sizes };
}

async function main(): Promise<{ results: BenchResults; team: TeamResults }> {
  const finish = await meterStart();
  devSecrets(); // the product's JWT_SECRET / ENCRYPTION_KEY, exactly as `npm start` makes them
  const product = snapshotProduct(join(tmp, "product"));
  const port = await portPool(8);
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
  const cpu = await cpuPerRead(columns, cpuUsers, emulator);
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
  // Last, production-like only: it starts a third product (teams off) that nothing else should share the machine with.
  const team = await runTeam({
    procs, emulator, on: prodBase, onName: "product (prod)", productDir: product.dir, bundle: join(tmp, "state-prod", "bundle"),
    offState: join(tmp, "state-prod-off"), offPort: port(), quick, log,
  });

  const run = finish();
  const results: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      quick,
      machine: machine(),
      ...run,
      node: process.version,
      product: { commit: product.commit, uncommitted: product.dirty },
      wrangler: packageVersion("wrangler"),
      miniflare: packageVersion("miniflare"),
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
  return { results, team: { meta: teamMeta(() => run, product), column: "prod", ...team } };
}

/** Prints the team table and writes its files; the tally of its targets. */
function reportTeam(team: TeamResults): string {
  const { text, outcome } = writeTeam(outDir, team);
  console.log(`\n${text}\n`);
  return `team ${outcome.filter((t) => t.met).length}/${outcome.length} (${COLUMN_NAMES[team.column]})`;
}

function reportLoad(m: { othersCpuShare: number; calibrationMs: { start: number; end: number } }) {
  const others = Math.round(m.othersCpuShare * 100);
  const cal = m.calibrationMs;
  console.log(`other processes used ${others}% of the machine's CPU meanwhile${others > 10 ? " (figures are noisy)" : ""}; CPU calibration ${cal.start}/${cal.end} ms (start/end, lower is faster)`);
}

try {
  if (args.only === "mix") {
    const table = await mixAlone({ procs, tmp, quick, latency: LATENCY, assistants: ASSISTANTS, more: MORE, manyUsers: MANY_USERS, coalesce: COALESCE, load: LOAD, log });
    console.log(`\n${table}\n`);
  } else if (teamOnly) {
    const team = await teamAlone();
    mkdirSync(outDir, { recursive: true });
    console.log(`targets met: ${reportTeam(team)}  (reported, not asserted)`);
    reportLoad(team.meta);
    console.log(`results: ${outDir}/team.json, team.md  (${team.meta.durationSeconds} s)`);
  } else {
    const { results, team } = await main();
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
    const teamTally = reportTeam(team);
    console.log(`targets met: ${tally.join(", ")}, ${teamTally}  (reported, not asserted; the production-like column describes the product)`);
    reportLoad(results.meta);
    console.log(`results: ${outDir}/latest.json, latest.md, chart.svg, team.json, team.md  (${results.meta.durationSeconds} s)`);
  }
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
  console.error(procs.logs());
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
