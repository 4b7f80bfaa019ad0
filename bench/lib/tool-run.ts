import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Processes } from "./procs.ts";

/**
 * What the profiling and A/B tools (profile.ts, ab-prod.ts) share: the emulator's delay from
 * `--latency MIN-MAX`, a temp directory, their processes, and one way to stop (done, failed, a
 * 10-minute watchdog or Ctrl-C) that stops every process and removes the directory.
 */
export function toolRun(prefix: string, latencyArg: string) {
  const [min, max] = latencyArg.split("-").map(Number);
  if (min === undefined || max === undefined || !(min >= 0 && max >= min)) throw new Error("--latency is MIN-MAX in ms");
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const procs = new Processes();
  const stop = async (code: number) => {
    clearTimeout(watchdog);
    await procs.stopAll();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(code);
  };
  const watchdog = setTimeout(() => void stop(1), 600_000);
  process.once("SIGINT", () => void stop(130));
  return { latency: { min, max }, tmp, procs, stop };
}
