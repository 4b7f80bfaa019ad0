// `npm start`: the local stack (scripts/stack.ts: the Vapi emulator with demo data, local D1
// migrations, the Worker under `wrangler dev`), the demo user's Vapi key stored through the real
// API, and a curl line. Whatever fails, nothing is left behind.
import { devSecrets } from "./dev-env.ts";
import { Stack, StartError } from "./stack.ts";
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
  "TEAM_TIMEOUT_MS",
];

// Set before start() resolves, so a Ctrl-C during start-up finds what to stop.
let stack: Stack | undefined;
let stopping = false;

/** Stops both servers and exits; the one place the process ends. */
async function stop(code: number, err?: unknown) {
  if (stopping) return;
  stopping = true;
  if (err !== undefined) {
    const log = stack?.output();
    if (process.env.VERBOSE === undefined && log) console.error(log);
    const [what, hint] =
      err instanceof StartError
        ? [err.message, err.hint]
        : [err instanceof Error ? err.message : String(err), "run again with VERBOSE=1 to see wrangler's output"];
    console.error(`npm start failed: ${what}; ${hint}.`);
  }
  await stack?.stop();
  process.exit(code);
}

process.on("exit", () => stack?.kill()); // last resort if something bypasses stop()
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));
process.on("uncaughtException", (err) => void stop(1, err));
process.on("unhandledRejection", (err) => void stop(1, err));

try {
  devSecrets();
  const settings = Object.fromEntries(SETTINGS.flatMap((n) => (process.env[n] ? [[n, process.env[n]]] : [])));
  stack = new Stack({
    port: Number(process.env.PORT ?? 8787),
    emulatorPort: Number(process.env.VAPI_EMULATOR_PORT ?? 8788),
    vars: settings,
    demo: true,
    verbose: process.env.VERBOSE !== undefined,
    onExit: (err) => void stop(1, err),
  });
  await stack.start();
  const { url: base, emulator } = stack;
  const token = await devToken(DEMO_USER);
  if ((settings.VAPI_BASE_URL ?? emulator!.url) === emulator!.url) {
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
vapi-edge-cache is running at ${base}  (Vapi emulator: ${emulator!.url}, docs: ${base}/docs)

Dev JWT for user "${DEMO_USER}" (${maxAgeSeconds() / 3600} h, the longest JWT_MAX_AGE_SECONDS allows; more: npm run token -- <sub>):
${token}

Try:
curl -H "Authorization: Bearer ${token}" ${base}/api/assistants

The dashboard page, signed in as "${DEMO_USER}" (the token rides in the URL fragment, which the browser never sends):
${base}/app#token=${token}

Ctrl-C stops both servers.`);
} catch (err) {
  await stop(1, err);
}
