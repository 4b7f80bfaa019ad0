// Hot-layer memory per cached assistant: what GET /api/cache/stats counts (serialized JSON)
// against the assistant's own JSON size, plus an estimate of what it does not count.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { auth, call } from "../lib/api.ts";
import type { Ctx, MemoryResult } from "../lib/types.ts";

interface StatsBody {
  hotLayer: { entries: number; bytes: number };
}

export async function memory(ctx: Ctx, tmpDir: string, listBodyBytes: number): Promise<MemoryResult> {
  const stats = (await (await call(`${ctx.base}/api/cache/stats`, { headers: auth(ctx.hot.token) })).json()) as StatsBody;
  const assistants = await ctx.emulator.assistants(ctx.hot.key);
  const jsonBytes = assistants.reduce((sum, a) => sum + Buffer.byteLength(JSON.stringify(a)), 0);
  const file = join(tmpDir, "assistants.json");
  writeFileSync(file, JSON.stringify(assistants));
  const { entries, bytes } = stats.hotLayer;
  return {
    entries,
    hotLayerBytes: bytes,
    bytesPerEntry: entries ? bytes / entries : 0,
    jsonBytesPerAssistant: assistants.length ? jsonBytes / assistants.length : 0,
    parsedHeapPerAssistant: await heapEstimate(file),
    // The coordinator also keeps the whole list as one string: `[a,b,…]` inside the list answer.
    listStringBytes: listBodyBytes - '{"assistants":,"cached":true}'.length,
  };
}

function heapEstimate(file: string): Promise<number | null> {
  const script = new URL("./heap-estimate.ts", import.meta.url).pathname;
  return new Promise((resolve) => {
    execFile(process.execPath, ["--expose-gc", script, file], { timeout: 30_000 }, (err, stdout) => {
      if (err) return resolve(null);
      const parsed = JSON.parse(stdout) as { perAssistant: number };
      resolve(parsed.perAssistant);
    });
  });
}
