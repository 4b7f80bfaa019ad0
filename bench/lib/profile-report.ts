// Helpers of bench/profile.ts: variants of the product copy, cold-read analysis, profile printing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { auth, type BenchUser } from "./api.ts";
import { COLD, HIT, REVALIDATED } from "../scenarios/cpu.ts";
import { CpuMeter, cpuFigures } from "./cpu-meter.ts";
import type { HotFunction } from "./inspector.ts";
import { type Sampled, timedFetch } from "./load.ts";
import { summarize } from "./stats.ts";
import { applyAtGuard, type GuardEdit } from "../../scripts/guards.ts";

/** An edit at a marked guard. */
const at = (edit: GuardEdit) => (text: string, file: string) => applyAtGuard(text, file, edit);

/** Edits of the product copy, one suspect each, at marked guards (scripts/guards.ts): they fail loudly if a marker moved away. */
const VARIANTS: Record<string, { file: string; edit: (text: string, file: string) => string }[]> = {
  // The per-request JSON log line (src/middleware/request-log.ts).
  "no-request-log": [{ file: "src/app.ts", edit: at({ guard: "request-log", find: "app.use(requestLog, ", replace: "app.use(" }) }],
  // [observability] in wrangler.toml: local dev records every invocation's trace.
  "no-observability": [{ file: "wrangler.toml", edit: (t) => replace(t, /\[observability\]\s*enabled = true/, "") }],
  // Issue 12 item 3 switched off: a refresh that finds the held version re-serializes the entry,
  // rebuilds the list string and rewrites its D1 row, as before (durable-objects/hot-layer.ts).
  "rewrite-unchanged": [
    {
      file: "durable-objects/hot-layer.ts",
      edit: at({ guard: "unchanged-revalidation-rewrites-the-entry", find: "return this.touch(id, current, item, fetchedAt);", replace: "{}" }),
    },
  ],
  // JWT verification replaced by decoding only: an upper bound of what caching verifications saves.
  "no-jwt-verify": [
    {
      file: "src/lib/jwt.ts",
      edit: (t, file) =>
        `import { decodeJwt as benchDecode } from "jose";\n${at({ guard: "jwt-verify", find: "jwtVerify(token, key,", replace: "benchSkip(token, key," })(t, file)}\n` +
        "const benchSkip = (token: string, ..._: unknown[]) => Promise.resolve({ payload: benchDecode(token) });\n",
    },
  ],
  // Vapi's answers parsed with the full loose schema again (every assistant copied key by key by
  // zod) instead of checking the four fields the cache relies on and keeping Vapi's object.
  "full-schema": [
    {
      file: "src/vapi/client.ts",
      edit: (t, file) =>
        `import { z as benchZ } from "zod";\nimport { AssistantShape as BenchShape } from "./types";\n` +
        at({ guard: "assistant-check", find: "{", replace: "{\n  return benchParse(BenchAssistant, data);" })(
          at({ guard: "assistant-list-check", find: "{", replace: "{\n  return benchParse(BenchList, data);" })(t, file),
          file,
        ) +
        "const BenchAssistant = benchZ.looseObject(BenchShape);\n" +
        "const BenchList = benchZ.union([benchZ.array(BenchAssistant), benchZ.object({ results: benchZ.array(BenchAssistant) }).transform((r) => r.results)]);\n" +
        "function benchParse<T>(schema: benchZ.ZodType<T>, data: unknown): T {\n" +
        "  const parsed = schema.safeParse(data);\n  if (!parsed.success) throw badAnswer(200);\n  return parsed.data;\n}\n",
    },
  ],
  // Refresh results' D1 batch awaited before answering, as before issue #12 item 2.
  "await-refresh-d1": [
    { file: "durable-objects/refresher.ts", edit: at({ guard: "await-refresh-d1", find: "= false;", replace: "= true;" }) },
  ],
  // One upsert statement per row for list syncs and repairs, as before issue #12 item 5.
  "per-row-upsert": [
    {
      file: "src/db/cache-rows.ts",
      edit: at({
        guard: "bulk-upsert",
        lines: 2,
        find: `chunkRows(rows).map((c) => ("bulk" in c ? this.upsertBulk(db, userId, c.bulk) : this.upsert(db, userId, c.one)));`,
        replace: "rows.map((r) => this.upsert(db, userId, r));",
      }),
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
    for (const { file, edit } of edits) writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), "utf8"), file));
  }
}

export interface Product {
  name: string;
  base: string;
  /** The pid of its `wrangler dev`. */
  pid: number;
}

interface Path {
  label: string;
  noCache: boolean;
  expect: RegExp;
}

const PATHS: Path[] = [
  { label: "cold list read", noCache: false, expect: COLD },
  { label: "no-cache, unchanged", noCache: true, expect: REVALIDATED },
  { label: "hit, one at a time", noCache: false, expect: HIT },
];

/**
 * Each user's list read cold, revalidated (`no-cache`, Vapi unchanged), then hit, one read at a time,
 * alternating between the products (A, B) so background load falls on both alike: latency,
 * Server-Timing parts and CPU per read by process (lib/cpu-meter.ts, idle burn subtracted).
 * Every user must have stored its key in every product.
 */
export async function coldReads(products: Product[], users: BenchUser[]) {
  const meters = products.map((p) => new CpuMeter(p.pid));
  await Promise.all(meters.map((m) => m.idle()));
  console.log(`${users.length} reads per path and product, one at a time, interleaved (ms; outside = latency − cache − d1 − vapi):`);
  // Each user's reads follow each other within seconds (paths inner): a coordinator idle for ~10 s
  // is evicted, and a read that restarts it measures its rehydration too (scenarios/cpu.ts).
  const byPath = PATHS.map(() => products.map(() => ({ samples: [] as Sampled[], cpu: [] as Record<string, number>[] })));
  for (const u of users) {
    for (const [k, path] of PATHS.entries()) {
      for (const [i, p] of products.entries()) {
        const row = byPath[k]?.[i];
        const meter = meters[i];
        if (!row || !meter) continue;
        row.cpu.push(
          await meter.measure(async () => {
            const headers = { ...auth(u.token), ...(path.noCache ? { "Cache-Control": "no-cache" } : {}) };
            const r = await timedFetch(`${p.base}/api/assistants`, { headers });
            if (r.status !== 200 || !path.expect.test(r.headers.get("Cache-Status") ?? "")) {
              throw new Error(`${p.name} ${path.label}: ${r.status} ${r.headers.get("Cache-Status")}`);
            }
            row.samples.push(r);
          }),
        );
      }
    }
  }
  for (const [k, path] of PATHS.entries()) {
    for (const [i, p] of products.entries()) {
      const row = byPath[k]?.[i];
      if (!row) continue;
      const med = (f: (r: Sampled) => number) => summarize(row.samples.map(f), null).p50.toFixed(1);
      const t = (r: Sampled, k: string) => r.timing[k] ?? 0;
      const cpu = Object.entries(cpuFigures(row.cpu)).map(([k, v]) => `${k} ${v.p50.toFixed(2)} (mean ${v.mean.toFixed(2)})`);
      console.log(`  ${p.name}: ${path.label}`);
      console.log(`    p50 latency ${med((r) => r.ms)}, vapi ${med((r) => t(r, "vapi"))}, d1 ${med((r) => t(r, "d1"))}, cache ${med((r) => t(r, "cache"))}, outside ${med((r) => r.ms - t(r, "vapi") - t(r, "d1") - t(r, "cache"))}`);
      console.log(`    CPU ms per read, p50: ${cpu.join(", ")}`);
    }
  }
}

/** The bundle `wrangler dev` built in a product copy. */
export function devBundle(productDir: string): string | undefined {
  const tmpDir = join(productDir, ".wrangler/tmp");
  return existsSync(tmpDir) ? readdirSync(tmpDir).map((d) => join(tmpDir, d, "index.js")).find((f) => existsSync(f)) : undefined;
}

/**
 * The profile by function (anonymous ones named by their line in the bundle: `wrangler dev`'s,
 * or the deploy bundle production-like) and by the source file the bundle says each line came from.
 */
export function printProfile(fns: HotFunction[], bundle: string | undefined, top = 25) {
  const lines = bundle ? readFileSync(bundle, "utf8").split("\n") : [];
  // esbuild starts each module's code with a `// path/to/module.ts` comment; packages are named by
  // their real path (the product copy's node_modules is a symlink), e.g. `// ../../work/x/node_modules/jose/…`.
  const sourceOf: string[] = [];
  let source = "(bundle)";
  for (const [i, l] of lines.entries()) {
    const path = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(l)?.[1];
    if (path) source = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? path.replace(/^(\.\.\/)+/, "");
    sourceOf[i + 1] = source;
  }
  const idle = fns.find((f) => f.name.startsWith("(idle)"));
  const busy = fns.filter((f) => f !== idle);
  console.log(`  sampled: ${busy.reduce((s, f) => s + f.selfMs, 0).toFixed(0)} ms busy, ${(idle?.selfMs ?? 0).toFixed(0)} ms idle`);
  for (const f of busy.slice(0, top)) {
    const code = f.file === "index.js" ? ` [${sourceOf[f.line] ?? "?"}] | ${(lines[f.line - 1] ?? "").trim().slice(0, 70)}` : "";
    console.log(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(6)} ms  ${f.name}${code}`);
  }
  const byFile = new Map<string, number>();
  for (const f of busy) {
    const key = f.file === "index.js" ? (sourceOf[f.line] ?? "(bundle)") : f.file ? `(runtime: ${f.file})` : f.name.trim();
    byFile.set(key, (byFile.get(key) ?? 0) + f.share);
  }
  console.log("  by source (self time, the bundle's module comments):");
  for (const [key, share] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
}
