// What every results file records about the run itself: the machine, how busy others kept it,
// its speed at start and end, and the versions that ran.
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { calibrate, machineBusyMs, treeCpuMs } from "./cpu.ts";
import { ROOT } from "./procs.ts";

export interface RunLoad {
  /** 1-minute load average when the run started and ended (others' work on the machine). */
  loadAverage: { start: number; end: number };
  /** Share of all cores' CPU that processes outside the bench used during the run (0..1). */
  othersCpuShare: number;
  /** calibrate() at start and end, ms: this VM's speed drifts, lower is faster. */
  calibrationMs: { start: number; end: number };
}

/** Starts measuring the machine's load; the function it returns ends it. */
export function startMeter(): () => RunLoad {
  const loadAtStart = loadavg()[0] ?? 0;
  const calibrationAtStart = calibrate();
  const busyAtStart = machineBusyMs();
  const ownAtStart = treeCpuMs(process.pid);
  const t0 = performance.now();
  return () => {
    // Others' share: all busy CPU minus this process tree's. Exited children (migrations, bundles,
    // heap estimate) are not in the tree any more: a slight overcount.
    const others = machineBusyMs() - busyAtStart - (treeCpuMs(process.pid) - ownAtStart);
    const wallMs = performance.now() - t0;
    return {
      loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      othersCpuShare: Math.max(0, others / (wallMs * cpus().length)),
      calibrationMs: { start: calibrationAtStart, end: calibrate() },
    };
  };
}

export function machine() {
  const all = cpus();
  return { cpus: all.length, model: all[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

/** The installed version of a package (wrangler, miniflare). */
export const packageVersion = (pkg: string) =>
  (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
