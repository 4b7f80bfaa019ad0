// `npm run capacity [-- --users 10000,100000,1000000] [--tab-share 0.2] [--team-size 5] … [--markdown] [--update-docs]`:
// what the design needs at the peak for each population (D1 statements/s and storage, Vapi calls
// per org, fan-out RPCs, memory per coordinator), from the bench's measured costs and
// Cloudflare's published limits, and what breaks first. The model is bench/capacity/model.ts.
// --markdown prints only the block docs/operations.md carries; --update-docs rewrites it there.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FLAGS, resolveInputs, type Resolved } from "./capacity/inputs.ts";
import { markdown } from "./capacity/report.ts";
import { ROOT } from "./lib/procs.ts";

export const DOCS = join(ROOT, "docs/operations.md");
/** The markers around the table in docs/operations.md; the begin marker carries the arguments. */
export const BEGIN = /<!-- capacity:begin(?<args>[^>]*)-->\n/;
export const END = "<!-- capacity:end -->";

/** Where the measured inputs came from, as the table's inputs line says it. */
function measuredFrom(r: Resolved): string {
  const keys = ["assistantBytes", "memoryPerJsonByte", "cpuHitMs", "cpuRefreshMs", "teamCallsPerWrite", "fanoutPerTeammate", "cpuTeamMs", "cpuPerTeammateMs"] as const;
  const sources = [...new Set(keys.map((k) => r.from[k]))];
  const file = (s: string) =>
    s.startsWith("bench team")
      ? s.replace("bench team", "bench/results/team.json, production-like,")
      : s.startsWith("bench")
        ? s.replace("bench", "bench/results/latest.json, production-like column,")
        : s;
  return sources.map(file).join("; ");
}

/** The Markdown block for `argv` (what the docs' markers hold for their arguments). */
export function capacityMarkdown(argv: string[]): string {
  const r = resolveInputs(argv);
  return markdown(r.populations, r.base, measuredFrom(r));
}

function updateDocs(): void {
  const text = readFileSync(DOCS, "utf8");
  const begin = BEGIN.exec(text);
  const end = text.indexOf(END);
  if (!begin || end < begin.index) throw new Error(`${DOCS} has no capacity markers`);
  const args = (begin.groups?.args ?? "").trim().split(/\s+/).filter(Boolean);
  const at = begin.index + begin[0].length;
  writeFileSync(DOCS, `${text.slice(0, at)}${capacityMarkdown(args)}\n${text.slice(end)}`);
  console.log(`${DOCS}: capacity table regenerated (${args.join(" ") || "no arguments"})`);
}

if (import.meta.main) {
  const argv = process.argv.slice(2);
  const r = resolveInputs(argv);
  if (r.updateDocs) updateDocs();
  else if (r.markdown) console.log(capacityMarkdown(argv));
  else {
    console.log("inputs (flag: value, from):");
    for (const [key, what] of Object.entries(FLAGS)) {
      const k = key as keyof typeof FLAGS;
      console.log(`  --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${r.base[k]}  (${r.from[k]}; ${what})`);
    }
    console.log(`  --users: ${r.populations.join(",")}\n`);
    console.log(capacityMarkdown(argv));
  }
}
