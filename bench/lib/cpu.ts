// Where the CPU goes across processes: utime+stime from /proc for a process and its descendants,
// labelled by role (wrangler's proxy workerd, the workerd running the Worker, wrangler's Node).
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface Proc {
  pid: number;
  ppid: number;
  cpuMs: number;
  cmd: string;
}

function read(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may contain spaces; fields after the closing parenthesis are fixed.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    return { pid, ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS, cmd };
  } catch {
    return undefined; // exited meanwhile
  }
}

/** `root` and all its descendants, as they are now. */
export function treeOf(root: number): Proc[] {
  const all = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => read(Number(d)) ?? []);
  const tree = new Set([root]);
  // Parents come before children in most listings, but not always: repeat until stable (bounded).
  for (let pass = 0; pass < 5; pass++) for (const p of all) if (tree.has(p.ppid)) tree.add(p.pid);
  return all.filter((p) => tree.has(p.pid));
}

/** CPU ms so far of `root` and all its descendants, by role. */
export function cpuByRole(root: number, classify: Classify = roleOf): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of treeOf(root)) {
    const role = classify(p.cmd);
    out[role] = (out[role] ?? 0) + p.cpuMs;
  }
  return out;
}

/** The role of the workerd process that runs the Worker (and, locally, its Durable Objects; under `wrangler dev`, D1 too). */
export const WORKER = "workerd (Worker)";

/** Names the role of a process from its command line. */
export type Classify = (cmd: string) => string;

/** Under `wrangler dev`: its proxy workerd, the Worker's workerd, wrangler's Node and esbuild. */
export const roleOf: Classify = (cmd) => {
  if (cmd.includes("workerd")) return /entry=127\.0\.0\.1:0\b/.test(cmd) ? WORKER : "workerd (proxy)";
  if (cmd.includes("esbuild")) return "esbuild";
  if (cmd.includes("wrangler")) return "wrangler (Node)";
  return "other";
};

/** The role of the workerd that holds the production-like Worker's D1 databases (lib/d1-remote.ts). */
export const D1 = "D1 (local, own process)";

/**
 * Under bench/lib/miniflare-host.ts: the workerd that runs the Worker and its Durable Objects (on
 * the port the bench gave it), the one that holds D1 (lib/d1-remote.ts, on 127.0.0.2), the host's Node.
 */
export const miniflareRoleOf: Classify = (cmd) => {
  if (!cmd.includes("workerd")) return "Miniflare host (Node)";
  return /entry=127\.0\.0\.2:/.test(cmd) ? D1 : WORKER;
};

export function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** CPU ms the whole machine has been busy (all cores; /proc/stat, idle and iowait excluded). */
export function machineBusyMs(): number {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** CPU ms of `root` and its descendants, all roles together. */
export const treeCpuMs = (root: number) => Object.values(cpuByRole(root)).reduce((a, b) => a + b, 0);

/**
 * A fixed CPU workload (JSON round trips), in ms: lower is faster. This VM's speed drifts by up to
 * ~1.5× over minutes with no steal time reported, so each run records it at start and end.
 */
export function calibrate(): number {
  const sample = { a: "hello world", b: [1, 2, 3, { c: "d".repeat(100) }], n: 12345.678 };
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < 200_000; i++) sink += (JSON.parse(JSON.stringify(sample)) as { b: unknown[] }).b.length;
  return sink > 0 ? Math.round(performance.now() - started) : 0;
}
