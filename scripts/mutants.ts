// `npm run mutants [-- name-filter]`: applies each mutation of scripts/mutants-list.ts, one at a
// time, to a temporary copy of the repository (node_modules symlinked), runs the mutation's
// related worker tests there, and prints which test killed it. Exits 1 if one survives, or if
// a marker is missing or its find no longer matches exactly once in its scope. Slow (one vitest run per mutation): not in `npm test`.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyAtGuard } from "./guards.ts";
import { type Mutant, mutants } from "./mutants-list.ts";

const root = process.cwd();
const filter = process.argv.slice(2).find((a) => !a.startsWith("--"));
const selected = mutants.filter((m) => !filter || m.name.includes(filter));

// Every marker and scoped find is checked before anything runs (`-- --check` stops there).
for (const m of selected) {
  applyAtGuard(readFileSync(join(root, m.file), "utf8"), m.file, m);
  for (const t of m.tests) if (!existsSync(join(root, t))) throw new Error(`mutant "${m.name}": no ${t}`);
}

if (process.argv.includes("--check")) {
  console.log(`${selected.length} mutations: every marker and find in place`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "mutants-"));
const skip = new Set(["node_modules", ".git", ".wrangler", "bench"]);
cpSync(root, work, { recursive: true, filter: (src) => !skip.has(src.slice(root.length + 1).split("/")[0] ?? "") });
symlinkSync(join(root, "node_modules"), join(work, "node_modules"), "dir");

interface Outcome { failed: string[]; messages: string[]; timedOut: boolean; status: number | null }

function runTests(files: string[]): Outcome {
  const report = join(work, "vitest-report.json");
  rmSync(report, { force: true });
  // A generous per-test timeout: the question is whether a guard's test notices, not how fast a
  // loaded machine runs it (the default 5 s made the baseline fail while other suites ran).
  const args = ["run", "--project", "worker", "--testTimeout=30000", "--reporter=json", `--outputFile=${report}`];
  const run = spawnSync("vitest", [...args, ...files], {
    cwd: work,
    encoding: "utf8",
    timeout: 300_000,
  });
  const failed: string[] = [];
  const messages: string[] = [];
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8")) as {
      testResults: { name: string; assertionResults: { status: string; title: string; failureMessages: string[] }[] }[];
    };
    for (const file of json.testResults) {
      for (const a of file.assertionResults) {
        if (a.status !== "failed") continue;
        failed.push(`${file.name.split("/").pop()} "${a.title}"`);
        messages.push(a.failureMessages[0]?.split("\n")[0] ?? "");
      }
    }
  }
  return { failed, messages, timedOut: run.error !== undefined, status: run.status };
}

const baseline = runTests([...new Set(selected.flatMap((m) => m.tests))]);
if (baseline.status !== 0) {
  console.error(`baseline run fails (${baseline.failed.join("; ") || `exit ${baseline.status}`}): fix the suite first`);
  for (const m of baseline.messages) console.error(`  ${m}`);
  process.exit(1);
}

const rows: { m: Mutant; killedBy: string | null; ms: number }[] = [];
for (const m of selected) {
  const path = join(work, m.file);
  const original = readFileSync(path, "utf8");
  writeFileSync(path, applyAtGuard(original, m.file, m));
  const started = Date.now();
  const outcome = runTests(m.tests);
  writeFileSync(path, original);
  const killedBy =
    outcome.status === 0 ? null : outcome.failed.length ? outcome.failed.join("; ") : outcome.timedOut ? "timeout" : `exit ${outcome.status}`;
  rows.push({ m, killedBy, ms: Date.now() - started });
  console.log(`${killedBy ? "killed  " : "SURVIVED"} ${m.name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
rmSync(work, { recursive: true, force: true });

console.log("\n| mutation | file | killed by |\n|---|---|---|");
for (const { m, killedBy } of rows) console.log(`| ${m.name} | ${m.file} | ${killedBy ?? "**SURVIVED**"} |`);
const survived = rows.filter((r) => !r.killedBy).length;
console.log(`\n${rows.length - survived}/${rows.length} killed`);
process.exit(survived ? 1 : 0);
