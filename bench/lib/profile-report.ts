// Helpers of bench/profile.ts: variants of the product copy, cold-read analysis, profile printing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { auth, type BenchUser } from "./api.ts";
import { cpuByRole, diff } from "./cpu.ts";
import type { HotFunction } from "./inspector.ts";
import { type Sampled, timedFetch } from "./load.ts";
import { summarize } from "./stats.ts";

/** Edits of the product copy, one suspect each. They fail loudly if the code has moved. */
const VARIANTS: Record<string, { file: string; edit: (text: string) => string }[]> = {
  // The per-request JSON log line (src/middleware/request-log.ts).
  "no-request-log": [{ file: "src/app.ts", edit: (t) => replace(t, "app.use(requestLog);", "") }],
  // [observability] in wrangler.toml: local dev records every invocation's trace.
  "no-observability": [{ file: "wrangler.toml", edit: (t) => replace(t, /\[observability\]\s*enabled = true/, "") }],
  // Issue 12 item 3 switched off: a refresh that finds the held version re-serializes the entry,
  // rebuilds the list string and rewrites its D1 row, as before (durable-objects/hot-layer.ts).
  "rewrite-unchanged": [
    {
      file: "durable-objects/hot-layer.ts",
      edit: (t) => replace(t, "    if (current && current.version === version) return this.touch(id, current, assistant, fetchedAt);\n", ""),
    },
  ],
  // JWT verification replaced by decoding only: an upper bound of what caching verifications saves.
  "no-jwt-verify": [
    {
      file: "src/middleware/auth.ts",
      edit: (t) =>
        `import { decodeJwt as benchDecode } from "jose";\n${replace(t, /jwtVerify\(token, key,/, "benchSkip(token, key,")}\n` +
        "const benchSkip = (token: string, ..._: unknown[]) => Promise.resolve({ payload: benchDecode(token) });\n",
    },
  ],
};

function replace(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`variant: ${String(from)} not found`);
  return out;
}

/** Applies the named variants to the product copy in `dir`. */
export function applyVariants(dir: string, names: string[]) {
  for (const name of names) {
    const edits = VARIANTS[name];
    if (!edits) throw new Error(`unknown variant ${name}; known: ${Object.keys(VARIANTS).join(", ")}`);
    for (const { file, edit } of edits) writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), "utf8")));
  }
}

/**
 * Cold list reads one at a time: latency, Server-Timing parts and CPU per read by process, with
 * the processes' idle background burn (measured over 3 s first) subtracted.
 */
export async function coldReads(base: string, users: BenchUser[], root: number) {
  const idleStart = cpuByRole(root);
  const idleFrom = performance.now();
  await new Promise((r) => setTimeout(r, 3_000));
  const idle = diff(cpuByRole(root), idleStart);
  const idleMs = performance.now() - idleFrom;
  const before = cpuByRole(root);
  const from = performance.now();
  const rows: Sampled[] = [];
  for (const u of users) rows.push(await timedFetch(`${base}/api/assistants`, { headers: auth(u.token) }));
  const wall = performance.now() - from;
  const used = diff(cpuByRole(root), before);
  const cpu = Object.entries(used).map(([k, v]) => `${k} ${((v - ((idle[k] ?? 0) / idleMs) * wall) / rows.length).toFixed(1)}`);
  const med = (f: (r: Sampled) => number) => summarize(rows.map(f), null).p50.toFixed(1);
  const t = (r: Sampled, k: string) => r.timing[k] ?? 0;
  console.log(`${rows.length} cold list reads, one at a time (ms; outside = latency − cache − d1 − vapi):`);
  console.log(`  p50 latency ${med((r) => r.ms)}, vapi ${med((r) => t(r, "vapi"))}, d1 ${med((r) => t(r, "d1"))}, cache ${med((r) => t(r, "cache"))}, outside ${med((r) => r.ms - t(r, "vapi") - t(r, "d1") - t(r, "cache"))}`);
  console.log(`  CPU ms per cold read (idle background subtracted): ${cpu.join(", ")}`);
}

/** Anonymous functions are named by their line in wrangler's bundle: show that line's code. */
export function printProfile(fns: HotFunction[], productDir: string) {
  const tmpDir = join(productDir, ".wrangler/tmp");
  const bundle = existsSync(tmpDir)
    ? readdirSync(tmpDir).map((d) => join(tmpDir, d, "index.js")).find((f) => existsSync(f))
    : undefined;
  const lines = bundle ? readFileSync(bundle, "utf8").split("\n") : [];
  for (const f of fns) {
    const line = /index\.js:(\d+)$/.exec(f.name)?.[1];
    const code = line ? ` | ${(lines[Number(line) - 1] ?? "").trim().slice(0, 90)}` : "";
    console.log(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}${code}`);
  }
}
