// `npm start`: local D1 migrations, the Worker under `wrangler dev`, the Vapi emulator with demo
// data, the demo user's Vapi key stored through the real API, and a curl line. Whatever fails,
// nothing is left behind: wrangler runs in its own process group, which every exit path kills.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { type RunningEmulator, startEmulator } from "../emulator/server.ts";
import { devSecrets } from "./dev-env.ts";
import { devToken, maxAgeSeconds } from "./token.ts";

const DEMO_USER = "demo";
const DEMO_KEY = "dev-vapi-key";
// Every setting of wrangler.toml [vars] can be overridden by an environment variable of that name.
const SETTINGS = [
  "VAPI_BASE_URL",
  "CACHE_TTL_SECONDS",
  "CACHE_TTL_JITTER",
  "CACHE_STALE_WHILE_REVALIDATE_SECONDS",
  "CACHE_STALE_IF_ERROR_SECONDS",
  "VAPI_TIMEOUT_MS",
  "VAPI_RETRY_BUDGET_MS",
  "VAPI_RETRY_ATTEMPTS",
  "CIRCUIT_FAILURE_THRESHOLD",
  "CIRCUIT_OPEN_SECONDS",
  "VAPI_LIST_PAGE_SIZE",
  "CACHE_REFRESH_AHEAD_SECONDS",
  "CACHE_MAX_BYTES",
  "EVENTS_LOG_SIZE",
  "EVENTS_MAX_SOCKETS",
  "LOG_HIT_SAMPLE_RATE",
  "LOG_SLOW_MS",
  "RATE_LIMIT_WRITES_PER_MINUTE",
  "RATE_LIMIT_WRITES_BURST",
  "RATE_LIMIT_REVALIDATIONS_PER_MINUTE",
  "RATE_LIMIT_REVALIDATIONS_BURST",
  "RATE_LIMIT_SOCKET_OPENS_PER_MINUTE",
  "RATE_LIMIT_SOCKET_OPENS_BURST",
  "JWT_JWKS_URL",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "JWT_MAX_AGE_SECONDS",
  "CORS_ORIGINS",
  "IDEMPOTENCY_RETENTION_SECONDS",
  "IDEMPOTENCY_MAX_KEYS",
];

/** A start-up failure the user can act on: what failed, and what to do about it. */
class StartError extends Error {
  readonly hint: string;
  constructor(what: string, hint: string) {
    super(what);
    this.hint = hint;
  }
}

const port = Number(process.env.PORT ?? 8787);
const emulatorPort = Number(process.env.VAPI_EMULATOR_PORT ?? 8788);
const base = `http://127.0.0.1:${port}`;

let worker: ChildProcess | undefined;
let emulator: RunningEmulator | undefined;
let stopping = false;
const workerLog: string[] = [];

const workerRunning = () => worker?.pid !== undefined && worker.exitCode === null && worker.signalCode === null;
function killWorker(signal: NodeJS.Signals) {
  if (!worker?.pid) return;
  try {
    process.kill(-worker.pid, signal); // the whole group: wrangler and its workerd
  } catch {
    // already gone
  }
}

/** Stops both servers and exits; the one place the process ends. */
async function stop(code: number, err?: unknown) {
  if (stopping) return;
  stopping = true;
  if (err !== undefined) {
    if (process.env.VERBOSE === undefined && workerLog.length) console.error(workerLog.join(""));
    const [what, hint] =
      err instanceof StartError
        ? [err.message, err.hint]
        : [err instanceof Error ? err.message : String(err), "run again with VERBOSE=1 to see wrangler's output"];
    console.error(`npm start failed: ${what}; ${hint}.`);
  }
  if (workerRunning()) {
    const exited = new Promise((resolve) => worker!.once("exit", resolve));
    killWorker("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
  }
  killWorker("SIGKILL"); // workerd may outlive wrangler's own shutdown
  await emulator?.close().catch(() => undefined);
  process.exit(code);
}

process.on("exit", () => killWorker("SIGKILL")); // last resort if something bypasses stop()
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
process.on("uncaughtException", (err) => void stop(1, err));
process.on("unhandledRejection", (err) => void stop(1, err));

try {
  devSecrets();
  await assertFree(port, "PORT", "the Worker");
  try {
    execFileSync("wrangler", ["d1", "migrations", "apply", "DB", "--local"], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, CI: "1" },
    });
  } catch {
    throw new StartError("applying the local D1 migrations failed (see above)", "check migrations/ and .wrangler/state");
  }

  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const vars = { VAPI_BASE_URL: emulatorUrl, ...pick(process.env, SETTINGS) };
  worker = spawn(
    "wrangler",
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`])],
    { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );
  for (const stream of [worker.stdout!, worker.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      if (process.env.VERBOSE) process.stdout.write(chunk);
      else if (workerLog.push(chunk.toString()) > 200) workerLog.shift();
    });
  }
  worker.on("exit", (code, signal) => {
    if (!stopping) void stop(1, new StartError(`wrangler dev exited (${code ?? signal})`, "its output is above"));
  });

  emulator = await startEmulator({ port: emulatorPort, demo: true }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "EADDRINUSE"
      ? new StartError(`port ${emulatorPort} (the Vapi emulator) is already in use`, "stop what holds it, or choose another with VAPI_EMULATOR_PORT=<port> npm start")
      : err;
  });

  await waitFor(`${base}/healthz`, 60_000);
  const token = await devToken(DEMO_USER);
  if (vars.VAPI_BASE_URL === emulatorUrl) {
    const res = await fetch(`${base}/api/settings/vapi-key`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ privateKey: DEMO_KEY }),
    });
    if (res.status !== 204) {
      throw new StartError(`storing the demo Vapi key answered ${res.status} ${await res.text()}`, "run again with VERBOSE=1 to see the Worker's log");
    }
  }

  console.log(`
vapi-edge-cache is running at ${base}  (Vapi emulator: ${emulatorUrl}, docs: ${base}/docs)

Dev JWT for user "${DEMO_USER}" (${maxAgeSeconds() / 3600} h, the longest JWT_MAX_AGE_SECONDS allows; more: npm run token -- <sub>):
${token}

Try:
curl -H "Authorization: Bearer ${token}" ${base}/api/assistants

Ctrl-C stops both servers.`);
} catch (err) {
  await stop(1, err);
}

function pick(env: NodeJS.ProcessEnv, names: string[]) {
  return Object.fromEntries(names.flatMap((n) => (env[n] ? [[n, env[n]]] : [])));
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

async function waitFor(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new StartError(`the Worker did not answer ${url} within ${timeoutMs / 1000} s`, "run again with VERBOSE=1 to see wrangler's output");
}
