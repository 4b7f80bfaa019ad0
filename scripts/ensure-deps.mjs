// Runs under any Node (the machine's may be older than the project's): installs the locked
// dependencies, including the project's own Node 22, when they are missing or out of date.
import { execSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";

const marker = "node_modules/.package-lock.json";
const stale =
  !existsSync("node_modules/.bin/wrangler") ||
  !existsSync(marker) ||
  statSync("package-lock.json").mtimeMs > statSync(marker).mtimeMs ||
  !readFileSync(marker, "utf8").includes('"node_modules/wrangler"');
if (stale) {
  console.log("Installing dependencies (npm ci)…");
  execSync("npm ci --no-audit --no-fund --loglevel=warn", { stdio: "inherit" });
}
