// The local stack of `npm start` and of the end-to-end tests (test/e2e): the Vapi emulator, local
// D1 migrations, and the Worker under `wrangler dev`. One implementation, so the tests prove the
// stack a developer runs. Whatever fails, nothing is left behind: wrangler runs in its own
// process group, which stop() kills, and stop() works at any point of start().
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningEmulator, startEmulator } from "../emulator/server.ts";

/** A start-up failure the user can act on: what failed, and what to do about it. */
export class StartError extends Error {
  readonly hint: string;
  constructor(what: string, hint: string) {
    super(what);
    this.hint = hint;
  }
}

export interface StackOptions {
  /** The Worker's port; 0 picks a free one. */
  port: number;
  /** The emulator's port; 0 picks a free one. */
  emulatorPort: number;
  /** Overrides of wrangler.toml [vars]; VAPI_BASE_URL defaults to the emulator. */
  vars?: Record<string, string>;
  /** Local D1 and Durable Object state; default wrangler's (.wrangler/state). */
  persistTo?: string;
  /** The Worker's secrets; default: wrangler reads .dev.vars. */
  secrets?: Record<string, string>;
  /** The emulator's demo org and assistants (`npm start`). */
  demo?: boolean;
  /** Print wrangler's output as it comes (else it is kept for the error message). */
  verbose?: boolean;
  /** Called when wrangler exits on its own after start() returned. */
  onExit?: (err: StartError) => void;
}

/** Names of the env variables for ports, used in hints ("choose another with …"). */
const PORT_HINT = { worker: "PORT", emulator: "VAPI_EMULATOR_PORT" };

export class Stack {
  url = "";
  emulator: RunningEmulator | undefined;
  private worker: ChildProcess | undefined;
  private secretsDir: string | undefined;
  private stopping = false;
  private restarting = false;
  private args: string[] = [];
  private readonly log: string[] = [];
  private readonly options: StackOptions;

  constructor(options: StackOptions) {
    this.options = options;
  }

  /** wrangler's last lines of output (when not verbose). */
  output(): string {
    return this.log.join("");
  }

  async start(): Promise<this> {
    const o = this.options;
    const port = o.port === 0 ? await freePort() : (await assertFree(o.port, PORT_HINT.worker, "the Worker"), o.port);
    this.emulator = await startEmulator({ port: o.emulatorPort, demo: o.demo }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === "EADDRINUSE"
        ? new StartError(`port ${o.emulatorPort} (the Vapi emulator) is already in use`, `stop what holds it, or choose another with ${PORT_HINT.emulator}=<port> npm start`)
        : err;
    });
    const persist = o.persistTo ? ["--persist-to", o.persistTo] : [];
    await this.run(["d1", "migrations", "apply", "DB", "--local", ...persist]).catch(() => {
      throw new StartError("applying the local D1 migrations failed (see above)", "check migrations/ and .wrangler/state");
    });

    const vars = { VAPI_BASE_URL: this.emulator.url, ...o.vars };
    const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...persist];
    // A test stack must not take wrangler's default inspector port from a developer's `npm start`.
    if (o.port === 0) args.push("--inspector-port", String(await freePort()));
    if (o.secrets) args.push("--env-file", this.secretsFile(o.secrets));
    args.push(...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]));
    this.args = args;
    this.url = `http://127.0.0.1:${port}`;
    await this.startWorker();
    return this;
  }

  /**
   * Stops the Worker (wrangler and its workerd) and starts it again on the same port with the
   * same state, as a deploy or a crash would: open sockets drop, the Durable Objects start over.
   */
  async restartWorker(): Promise<void> {
    this.restarting = true;
    try {
      await this.stopWorker();
      await this.startWorker();
    } finally {
      this.restarting = false;
    }
  }

  private async startWorker() {
    const o = this.options;
    const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
    for (const name of Object.keys(o.secrets ?? {})) delete env[name]; // wrangler prefers process.env over the file
    if (this.stopping) return;
    const worker = spawn("wrangler", this.args, { detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    this.worker = worker;
    this.capture(worker);
    worker.once("error", (err) => this.log.push(`could not run wrangler: ${err.message}\n`)); // then waitForHealth reports it
    worker.on("exit", (code, signal) => {
      // Expected: stop(), a restart, or an old worker a restart replaced.
      if (!this.stopping && !this.restarting && this.worker === worker) o.onExit?.(new StartError(`wrangler dev exited (${code ?? signal})`, "its output is above"));
    });
    await this.waitForHealth(`${this.url}/healthz`, 60_000);
  }

  private async stopWorker() {
    const worker = this.worker;
    if (worker && running(worker)) {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      this.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    this.kill("SIGKILL"); // workerd may outlive wrangler's own shutdown
  }

  /** Stops the Worker (its whole process group) and the emulator; safe to call at any time, more than once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.stopWorker();
    await this.emulator?.close().catch(() => undefined);
    this.emulator = undefined;
    if (this.secretsDir) rmSync(this.secretsDir, { recursive: true, force: true });
  }

  /** Last resort, synchronous (for process.on("exit")): kills wrangler and its workerd. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (!this.worker?.pid) return;
    try {
      process.kill(-this.worker.pid, signal);
    } catch {
      // already gone
    }
  }

  private capture(child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on("data", (chunk: Buffer) => {
        if (this.options.verbose) process.stdout.write(chunk);
        else if (this.log.push(chunk.toString()) > 200) this.log.shift();
      });
    }
  }

  /** A wrangler command to completion; its errors go to our stderr. */
  private run(args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn("wrangler", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, CI: "1" } });
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`wrangler ${args.join(" ")} exited ${code}`))));
    });
  }

  /** The secrets as a dotenv file only this user can read, removed by stop(). */
  private secretsFile(secrets: Record<string, string>): string {
    this.secretsDir = mkdtempSync(join(tmpdir(), "vapi-edge-cache-secrets-"));
    const file = join(this.secretsDir, ".env");
    writeFileSync(file, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
    return file;
  }

  private async waitForHealth(url: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.stopping) {
      if (!running(this.worker!)) throw new StartError(`wrangler dev exited (${this.worker!.exitCode ?? this.worker!.signalCode})`, "its output is above");
      try {
        if ((await fetch(url)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (this.stopping) return;
    throw new StartError(`the Worker did not answer ${url} within ${timeoutMs / 1000} s`, "run again with VERBOSE=1 to see wrangler's output");
  }
}

const running = (child: ChildProcess) => child.pid !== undefined && child.exitCode === null && child.signalCode === null;

/** A port free right now on 127.0.0.1 (the OS's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
  });
}

/** Fails fast when the port is taken: otherwise an old server could answer our health check. */
function assertFree(p: number, variable: string, what: string) {
  return new Promise<void>((resolve, reject) => {
    const probe = createServer()
      .once("error", () =>
        reject(new StartError(`port ${p} (${what}) is already in use`, `stop what holds it, or choose another with ${variable}=<port> npm start`)),
      )
      .listen(p, "127.0.0.1", () => probe.close(() => resolve()));
  });
}
