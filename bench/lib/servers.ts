// Starts what the bench measures: the emulator (its own Node process, so the load generator's
// event loop never delays it), the product Worker and the bench-only floor Worker, each twice:
// under `wrangler dev` with the same flags, and production-like, the bundle `wrangler deploy
// --dry-run` writes on workerd through Miniflare (lib/miniflare-host.ts). Each has its own state.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { applyMigrations, freePort, Processes, ROOT, WRANGLER, waitFor, wranglerEnv } from "./procs.ts";

const START_TIMEOUT_MS = 60_000;

/** Distinct free loopback ports, handed out one at a time (bounded: a few tries per port). */
export async function portPool(count: number): Promise<() => number> {
  const ports = new Set<number>();
  for (let i = 0; i < count * 4 && ports.size < count; i++) ports.add(await freePort());
  const list = [...ports];
  return () => {
    const port = list.shift();
    if (port === undefined) throw new Error("out of free ports");
    return port;
  };
}

/** A `[vars]` value or top-level key of the product's wrangler.toml (simple `KEY = "value"` lines). */
export function productSetting(name: string): string {
  const toml = readFileSync(`${ROOT}wrangler.toml`, "utf8");
  const value = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1];
  if (value === undefined) throw new Error(`wrangler.toml has no ${name}`);
  return value;
}

export async function startEmulator(procs: Processes, port: number, latency: { min: number; max: number }) {
  procs.start("emulator", ["emulator/cli.ts", "--port", String(port), "--latency", `${latency.min}-${latency.max}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/__emulator/requests`, START_TIMEOUT_MS, procs);
  return url;
}

// What `wrangler dev` needs to build and run the product (node_modules is linked, not copied);
// page/, packages/ (the SDK it bundles) and scripts/ for its [build] command (scripts/build-assets.mjs).
const PRODUCT_FILES = ["wrangler.toml", "package.json", "tsconfig.json", ".dev.vars", "src", "core", "durable-objects", "migrations", "page", "packages", "scripts"];

/**
 * Copies the product's working tree into `dir`. `wrangler dev` watches its sources and reloads on
 * every save; in a checkout others edit while the bench runs, a reload mid-run fails requests and
 * mixes two versions into one measurement. The bench measures the tree as it was when it started.
 */
export function snapshotProduct(dir: string): { dir: string; commit: string; dirty: string[] } {
  for (const f of PRODUCT_FILES) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  // --no-optional-locks: never take .git/index.lock away from someone committing meanwhile.
  const git = (...args: string[]) => execFileSync("git", ["--no-optional-locks", ...args], { cwd: ROOT, encoding: "utf8" });
  const commit = git("rev-parse", "--short", "HEAD").trim();
  const dirty = git("status", "--porcelain", "--", ...PRODUCT_FILES.filter((f) => f !== ".dev.vars"))
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(3));
  return { dir, commit, dirty };
}

export interface Listen {
  port: number;
  inspectorPort: number;
}

/** The product's settings in the bench, for both columns: Vapi is the emulator. */
const productVars = (emulatorUrl: string) => [
  `VAPI_BASE_URL:${emulatorUrl}`,
  // The bench measures the cache, not the per-user rate limiter (0 switches a limit off).
  "RATE_LIMIT_WRITES_PER_MINUTE:0",
  "RATE_LIMIT_REVALIDATIONS_PER_MINUTE:0",
];
const varFlags = (vars: string[]) => vars.flatMap((v) => ["--var", v]);

/** The product, as `npm start` runs it, but from a snapshot, on its own port and state directory. */
export async function startProduct(procs: Processes, name: string, dir: string, persistTo: string, emulatorUrl: string, at: Listen) {
  await applyMigrations(persistTo, dir);
  procs.startWrangler(name, dir, at.port, at.inspectorPort, persistTo, varFlags(productVars(emulatorUrl)));
  const base = `http://127.0.0.1:${at.port}`;
  await waitFor(`${base}/healthz`, START_TIMEOUT_MS, procs);
  return base;
}

/** The Worker as it would be uploaded: `wrangler deploy --dry-run --outdir <outDir>` (index.js). */
export function buildBundle(cwd: string, outDir: string, extra: string[] = []): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [WRANGLER, "deploy", "--dry-run", "--outdir", outDir, ...extra],
      { cwd, env: wranglerEnv, timeout: START_TIMEOUT_MS },
      (err, _stdout, stderr) => (err ? reject(new Error(`bundling in ${cwd} failed: ${stderr || err.message}`)) : resolve()),
    );
  });
}

/** Runs a bundle on workerd through Miniflare, with `config`'s bindings and `vars` on top. */
async function startMiniflare(
  procs: Processes, name: string, cwd: string, config: string, bundle: string, persistTo: string, port: number, vars: string[], extra: string[] = [],
) {
  const host = join(ROOT, "bench/lib/miniflare-host.ts");
  procs.start(name, [host, "--config", config, "--bundle", bundle, "--persist", persistTo, "--port", String(port), ...varFlags(vars), ...extra], cwd);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/healthz`, START_TIMEOUT_MS, procs);
  return base;
}

/** What a production-like product may differ in: an inspector, extra `[vars]`, a bundle already built. */
export interface ProdOptions {
  inspectorPort?: number;
  /** `KEY:VALUE` overrides on top of the bench's (the team scenario's `TEAM_TIMEOUT_MS:0`). */
  vars?: string[];
  /** The directory of a bundle another product of the same snapshot built (not built again). */
  bundle?: string;
}

/**
 * The production-like product: the snapshot's deploy bundle (`<persistTo>/bundle/index.js`), its
 * own local D1 and Durable Objects; an inspector only when asked (V8 profiles, never the bench).
 */
export async function startProductProd(
  procs: Processes, name: string, dir: string, persistTo: string, emulatorUrl: string, port: number, opts: ProdOptions = {},
) {
  const bundle = opts.bundle ?? join(persistTo, "bundle");
  await Promise.all([applyMigrations(persistTo, dir), opts.bundle ? Promise.resolve() : buildBundle(dir, bundle)]);
  const inspector = opts.inspectorPort === undefined ? [] : ["--inspector-port", String(opts.inspectorPort)];
  const vars = [...productVars(emulatorUrl), ...(opts.vars ?? [])];
  return startMiniflare(procs, name, dir, "wrangler.toml", bundle, persistTo, port, vars, inspector);
}

const FLOOR_CONFIG = "bench/floor/wrangler.toml";

/** The floors, with a body the size of the product's list answer and the product's compat date. */
export async function startFloor(procs: Processes, persistTo: string, bodyBytes: number, at: Listen) {
  procs.startWrangler("floor", ROOT, at.port, at.inspectorPort, persistTo, [
    "-c", FLOOR_CONFIG,
    "--compatibility-date", productSetting("compatibility_date"),
    "--var", `BODY_BYTES:${bodyBytes}`,
  ]);
  return checkFloor(`http://127.0.0.1:${at.port}`, bodyBytes, procs);
}

/** The same floors production-like: their deploy bundle on workerd through Miniflare. */
export async function startFloorProd(procs: Processes, persistTo: string, bodyBytes: number, port: number) {
  const bundle = join(persistTo, "floor-bundle");
  await buildBundle(ROOT, bundle, ["-c", FLOOR_CONFIG]);
  const base = await startMiniflare(procs, "floor (prod)", ROOT, FLOOR_CONFIG, bundle, persistTo, port, [`BODY_BYTES:${bodyBytes}`], [
    // The bundle carries no compatibility date; the host would take the floor config's.
    "--compatibility-date", productSetting("compatibility_date"),
  ]);
  return checkFloor(base, bodyBytes, procs);
}

async function checkFloor(base: string, bodyBytes: number, procs: Processes) {
  await waitFor(`${base}/healthz`, START_TIMEOUT_MS, procs);
  const size = (await (await fetch(`${base}/do`)).arrayBuffer()).byteLength;
  if (size !== bodyBytes) throw new Error(`floor body is ${size} bytes, expected ${bodyBytes}`);
  return base;
}
