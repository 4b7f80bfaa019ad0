// The bench's child processes (emulator, two `wrangler dev`): started in their own process
// groups on loopback ports, output drained (a full pipe would stall them), always stopped.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// wrangler's bin starts with `#!/usr/bin/env node`, which could pick an older system Node;
// running it with this process's Node keeps every child on the project's Node 22.
export const WRANGLER = `${ROOT}node_modules/wrangler/bin/wrangler.js`;
const LOG_TAIL = 16_384;
const STOP_GRACE_MS = 5_000;
export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };

interface Child {
  name: string;
  proc: ChildProcess;
  log: string;
}

/** A free TCP port on 127.0.0.1 (asked of the OS, so it never collides with `npm start`'s). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class Processes {
  private readonly children: Child[] = [];

  /** Spawns `node <args>` in its own process group, so stopping it also stops its workerd children. */
  start(name: string, args: string[], cwd = ROOT): void {
    const proc = spawn(process.execPath, args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: wranglerEnv,
    });
    const child: Child = { name, proc, log: "" };
    const keep = (chunk: Buffer) => {
      child.log = (child.log + chunk.toString()).slice(-LOG_TAIL);
      if (process.env.VERBOSE) process.stderr.write(`[${name}] ${chunk.toString()}`);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    this.children.push(child);
  }

  /** `wrangler dev` on 127.0.0.1:port with the bench's common flags (same for floor and product). */
  startWrangler(name: string, cwd: string, port: number, inspectorPort: number, persistTo: string, extra: string[]): void {
    const args = [
      WRANGLER, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
      "--persist-to", persistTo, "--show-interactive-dev-session=false", ...extra,
    ];
    this.start(name, args, cwd);
  }

  /** The pid of a child (the leader of its process group). */
  pid(name: string): number | undefined {
    return this.children.find((c) => c.name === name)?.proc.pid;
  }

  /** Whether a child has exited (a crash shows up here before a request times out). */
  exited(): string | undefined {
    return this.children.find((c) => c.proc.exitCode !== null || c.proc.signalCode !== null)?.name;
  }

  logs(): string {
    return this.children.map((c) => `--- ${c.name} (last output) ---\n${c.log.slice(-2_000)}`).join("\n");
  }

  /** SIGTERM to each group, SIGKILL after a grace period. Safe to call twice. */
  async stopAll(): Promise<void> {
    const running = this.children.splice(0).filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
    await Promise.all(running.map((c) => stopGroup(c.proc)));
  }
}

async function stopGroup(proc: ChildProcess): Promise<void> {
  const pid = proc.pid;
  if (pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  signalGroup(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS)));
  const outcome = await Promise.race([exited, grace]);
  clearTimeout(timer);
  // The group may outlive its leader (workerd), so it is killed either way.
  signalGroup(pid, outcome === "timeout" ? "SIGKILL" : "SIGTERM");
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Polls `url` until it answers 2xx; bounded by `timeoutMs`, fails early if a child died. */
export async function waitFor(url: string, timeoutMs: number, procs: Processes): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dead = procs.exited();
    if (dead) throw new Error(`${dead} exited while starting`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/** Applies the D1 migrations to the bench's own local state directory. */
export function applyMigrations(persistTo: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
      // CI=1: no interactive confirmation prompt (as scripts/start.ts does).
      { cwd, env: { ...wranglerEnv, CI: "1" }, timeout: 60_000 },
      (err, _stdout, stderr) => (err ? reject(new Error(`d1 migrations failed: ${stderr || err.message}`)) : resolve()),
    );
  });
}
