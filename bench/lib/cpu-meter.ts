// CPU per request, request by request: each thread's run time from /proc/<pid>/task/*/schedstat
// (nanoseconds, where /proc/<pid>/stat counts 10 ms ticks), summed by role over a process tree,
// with the tree's idle background burn subtracted. Medians need per-request figures, and a cold
// read costs a few ms: ticks would round most of them to 0 or 10.
import { readdirSync, readFileSync } from "node:fs";
import { type Classify, roleOf, treeOf } from "./cpu.ts";
import { percentile } from "./stats.ts";

/** CPU ms per request by role: median and mean over the requests measured. */
export type CpuFigures = Record<string, { p50: number; mean: number }>;

function threadsMs(pid: number): number {
  let ns = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0; // exited
  }
  for (const t of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread ended meanwhile (its time is lost: workerd's threads live as long as it does)
    }
  }
  return ns / 1e6;
}

export class CpuMeter {
  private readonly roles: [number, string][];
  /** Background burn by role, CPU ms per wall ms (measured by `idle`). */
  private idleRate: Record<string, number> = {};

  /** The processes under `root` (a `wrangler dev` or a Miniflare host), resolved once: they live as long as it does. */
  constructor(root: number, classify: Classify = roleOf) {
    this.roles = treeOf(root).flatMap((p) => (classify(p.cmd) === "esbuild" ? [] : [[p.pid, classify(p.cmd)] as [number, string]]));
    if (this.roles.length === 0) throw new Error(`no processes under pid ${root}`);
    // A kernel without schedstat would make every figure 0: better to say so.
    readFileSync(`/proc/${root}/schedstat`, "utf8");
  }

  private read(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [pid, role] of this.roles) out[role] = (out[role] ?? 0) + threadsMs(pid);
    return out;
  }

  /** Measures the background burn over `ms` of doing nothing; returns it in CPU ms per second. */
  async idle(ms = 3_000): Promise<Record<string, number>> {
    const before = this.read();
    const from = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    const after = this.read();
    const wall = performance.now() - from;
    this.idleRate = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, (v - (before[k] ?? 0)) / wall]));
    return Object.fromEntries(Object.entries(this.idleRate).map(([k, v]) => [k, v * 1000]));
  }

  /**
   * CPU ms by role for `work`, background subtracted. It waits `settleMs` after the answer, so
   * work the Worker does after answering (`waitUntil`, queued D1 writes) is counted too.
   */
  async measure(work: () => Promise<void>, settleMs = 50): Promise<Record<string, number>> {
    const before = this.read();
    const from = performance.now();
    await work();
    await new Promise((r) => setTimeout(r, settleMs));
    const after = this.read();
    const wall = performance.now() - from;
    return Object.fromEntries(
      Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0) - (this.idleRate[k] ?? 0) * wall]),
    );
  }
}

/** Median and mean by role of per-request measurements. */
export function cpuFigures(runs: Record<string, number>[]): CpuFigures {
  const roles = [...new Set(runs.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(
    roles.map((role) => {
      const v = runs.map((r) => r[role] ?? 0).sort((a, b) => a - b);
      return [role, { p50: percentile(v, 0.5), mean: v.reduce((s, x) => s + x, 0) / (v.length || 1) }];
    }),
  );
}
