// `node scripts/with-deps.mjs <command> [args…]`: the front door of `npm start`, `npm test` and
// the other scripts. It runs under whatever Node the machine has (18+, so plain JS), installs the
// locked dependencies when they are missing or stale — among them the project's own Node 22,
// which wrangler needs — and then runs <command> with node_modules/.bin first on PATH, so `node`
// is the pinned one even on the very first run.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");

const packagesOf = (file) => JSON.parse(readFileSync(join(root, file), "utf8")).packages ?? {};

/**
 * Whether node_modules holds exactly what package-lock.json locks: npm records what it installed
 * in node_modules/.package-lock.json; optional packages (other platforms' builds) may be absent.
 */
function installed() {
  if (!existsSync(join(bin, "node")) || !existsSync(join(root, "node_modules", ".package-lock.json"))) return false;
  const locked = packagesOf("package-lock.json");
  const present = packagesOf("node_modules/.package-lock.json");
  return Object.entries(locked).every(
    ([path, pkg]) => path === "" || (present[path] ? present[path].version === pkg.version : pkg.optional === true),
  );
}

function ensureDeps() {
  if (installed()) return;
  // stderr, so commands whose stdout is their output (`npm run token`) stay clean.
  console.error(`Installing the locked dependencies (npm ci) under Node ${process.version}…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  // --loglevel=error: installing under an older Node than wrangler's own (by design) makes npm
  // warn EBADENGINE for packages that will only ever run under the pinned Node 22.
  const ci = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
  if (ci.status !== 0) {
    console.error("npm ci failed (see above); fix that, then run the command again.");
    process.exit(ci.status ?? 1);
  }
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error("usage: node scripts/with-deps.mjs <command> [args…]");
  process.exit(2);
}
ensureDeps();

const child = spawn(command, args, {
  stdio: "inherit",
  // Child process lookup uses this PATH, so `node` resolves to node_modules/.bin/node.
  env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
});
// A terminal's Ctrl-C reaches the child too (same process group); SIGTERM from a supervisor
// reaches only us, so pass it on. Either way we stay until the child has cleaned up and exited.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
// npm passes SIGTERM only to the shell it runs scripts in, which dies without passing it on and
// leaves us orphaned: treat losing our parent as a SIGTERM.
const parent = process.ppid;
const orphaned = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(orphaned);
  child.kill("SIGTERM");
}, 500).unref();
child.on("error", (err) => {
  console.error(`could not run ${command}: ${err.message}`);
  process.exit(127);
});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === "SIGINT" ? 130 : 143));
});
