// Hot-layer memory per cached assistant: what GET /api/cache/stats counts (each serialized JSON
// plus the cached list string) against the assistant's own JSON size, plus an estimate of what
// it does not count (the parsed objects).
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { auth, call } from "../lib/api.ts";
import type { Ctx, MemoryResult } from "../lib/types.ts";

interface StatsBody {
  hotLayer: { entries: number; bytes: number; jsonBytes: number; listBytes: number };
}

export async function memory(ctx: Ctx, tmpDir: string): Promise<MemoryResult> {
  // A list hit first, so the list string is built and counted as a dashboard's reads would leave it.
  await call(`${ctx.base}/api/assistants`, { headers: auth(ctx.hot.token) });
  const stats = (await (await call(`${ctx.base}/api/cache/stats`, { headers: auth(ctx.hot.token) })).json()) as StatsBody;
  const assistants = await ctx.emulator.assistants(ctx.hot.key);
  const jsonBytes = assistants.reduce((sum, a) => sum + Buffer.byteLength(JSON.stringify(a)), 0);
  const file = join(tmpDir, "assistants.json");
  writeFileSync(file, JSON.stringify(assistants));
  const { entries, bytes, jsonBytes: counted, listBytes } = stats.hotLayer;
  const per = (n: number) => (entries ? n / entries : 0);
  return {
    entries,
    hotLayerBytes: bytes,
    bytesPerEntry: per(bytes),
    jsonStringBytesPerEntry: per(counted),
    listBytesPerEntry: per(listBytes),
    jsonBytesPerAssistant: assistants.length ? jsonBytes / assistants.length : 0,
    parsedHeapPerAssistant: await heapEstimate(file),
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
