// `node scripts/with-deps.mjs <command> [args…]`: the front door of `npm start`, `npm test` and
// the other scripts. It runs under whatever Node the machine has (18+, so plain JS), installs the
// locked dependencies when they are missing or stale — among them the project's own Node 22,
// which wrangler needs — and then runs <command> with node_modules/.bin first on PATH, so `node`
// is the pinned one even on the very first run.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(root, "node_modules", ".bin");
// The hash of the lockfile the installed tree came from: a changed lockfile means reinstall.
const stamp = join(root, "node_modules", ".lock-sha256");

const lockHash = () => createHash("sha256").update(readFileSync(join(root, "package-lock.json"))).digest("hex");

function ensureDeps() {
  const wanted = lockHash();
  const installed = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";
  if (installed === wanted && existsSync(join(bin, "node")) && existsSync(join(bin, "wrangler"))) return;
  // stderr, so commands whose stdout is their output (`npm run token`) stay clean.
  console.error(`Installing the locked dependencies (npm ci) under Node ${process.version}…`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const ci = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=warn"], {
    cwd: root,
    stdio: ["ignore", 2, 2],
  });
  if (ci.status !== 0) {
    console.error("npm ci failed (see above); fix that, then run the command again.");
    process.exit(ci.status ?? 1);
  }
  writeFileSync(stamp, `${wanted}\n`);
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
