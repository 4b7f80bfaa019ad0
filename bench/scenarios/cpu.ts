// CPU per request of the paths that do real work in the Worker: a cold read of a user's list
// (Vapi's answer validated, cached, persisted) and a revalidation of an unchanged list
// (`Cache-Control: no-cache` while Vapi's data stays the same), against a hit and the bare
// Durable Object floor measured the same way. One request at a time, each measured on its own
// from /proc (lib/cpu-meter.ts), the processes' idle burn subtracted; the columns alternate
// request by request, so the machine's drift falls on both alike. Each user's three reads follow
// each other within seconds: the runtime evicts a Durable Object idle for ~10 s, and a read that
// finds its coordinator evicted also pays the object's start, rehydration from D1 and the key's
// read (2.5-5 ms here), which is not what these figures are about (issue #23, docs/benchmarks.md §9);
// so the cold read, too, finds its coordinator running (started by an untimed stats read).
// Their orgs answer at once (a per-key emulator latency of 0): a request's CPU does not depend on
// how long Vapi takes, while its /proc window does, and the idle burn subtracted over a 200–500 ms
// wait added its own error to the longer reads (docs/benchmarks.md §12).
import { auth, type BenchUser, type EmulatorAdmin } from "../lib/api.ts";
import { CpuMeter, cpuFigures } from "../lib/cpu-meter.ts";
import { timedFetch } from "../lib/load.ts";
import type { Column, ColumnKey, CpuResult, Ctx } from "../lib/types.ts";

/** One read of `user`'s list, checked to be what it claims to measure. */
export async function listRead(base: string, user: BenchUser, noCache: boolean, expect: RegExp): Promise<void> {
  const headers = { ...auth(user.token), ...(noCache ? { "Cache-Control": "no-cache" } : {}) };
  const r = await timedFetch(`${base}/api/assistants`, { headers });
  const status = r.headers.get("Cache-Status") ?? "";
  if (r.status !== 200 || !expect.test(status)) throw new Error(`${user.sub}: expected ${expect}, got ${r.status} ${status}`);
}

async function floorRead(base: string): Promise<void> {
  const r = await timedFetch(`${base}/do`);
  if (r.status !== 200) throw new Error(`floor /do answered ${r.status}`);
}

export const COLD = /fwd=miss/;
export const REVALIDATED = /fwd=request/;
export const HIT = /; hit/;

type Samples = Record<string, number>[];

/** `users` have stored their keys in every column and never been read: each is read cold, then revalidated, then hit, one user after another. */
export async function cpuPerRead(columns: Column[], users: BenchUser[], emulator: EmulatorAdmin): Promise<Record<ColumnKey, CpuResult>> {
  await emulator.setLatency(users.map((u) => u.key), { min: 0, max: 0 });
  const meters = columns.map((c) => ({ c, product: new CpuMeter(c.productPid, c.classify), floor: new CpuMeter(c.floorPid, c.classify) }));
  // All measured at once: waiting is all an idle measurement does.
  const idle = await Promise.all(
    meters.map(async (m) => {
      const [product, floor] = await Promise.all([m.product.idle(), m.floor.idle()]);
      return { product, floor };
    }),
  );
  const runs = Object.fromEntries(columns.map((c) => [c.key, { cold: [] as Samples, revalidation: [] as Samples, hit: [] as Samples, floorDo: [] as Samples }]));
  const reads = [["cold", false, COLD], ["revalidation", true, REVALIDATED], ["hit", false, HIT]] as const;
  for (const u of users) {
    // Untimed: starts the user's coordinator (stored keys long ago, it has been evicted since), as
    // the key's PUT just before a user's first read does in use. The cold read still reads the key.
    for (const m of meters) {
      const r = await timedFetch(`${m.c.base}/api/cache/stats`, { headers: auth(u.token) });
      if (r.status !== 200) throw new Error(`${u.sub}: stats answered ${r.status}`);
    }
    for (const [path, noCache, expect] of reads) {
      for (const m of meters) runs[m.c.key]?.[path].push(await m.product.measure(() => listRead(m.c.base, u, noCache, expect)));
    }
  }
  // The floor's DO answer, as many times and the same way: the CPU a request needs without product code.
  for (let i = 0; i < users.length; i++) for (const m of meters) runs[m.c.key]?.floorDo.push(await m.floor.measure(() => floorRead(m.c.floorBase)));
  return Object.fromEntries(
    columns.map((c, i) => {
      const r = runs[c.key];
      if (!r) throw new Error(`no CPU runs for ${c.key}`);
      return [
        c.key,
        {
          reads: users.length,
          idleMsPerSecond: idle[i]?.product ?? {},
          cold: cpuFigures(r.cold),
          revalidation: cpuFigures(r.revalidation),
          hit: cpuFigures(r.hit),
          floorDo: cpuFigures(r.floorDo),
          floorIdleMsPerSecond: idle[i]?.floor ?? {},
        },
      ];
    }),
  ) as Record<ColumnKey, CpuResult>;
}
